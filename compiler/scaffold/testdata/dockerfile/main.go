package main

import (
	"cmp"
	"net/http"
	"os"
)

func main() {
	port := cmp.Or(os.Getenv("PORT"), "8088")
	http.ListenAndServe(":"+port, nil)
}
