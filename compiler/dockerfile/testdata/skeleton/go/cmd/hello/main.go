// Command hello answers every request with a greeting.
package main

import (
	"log"
	"net/http"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("hello\n")) })
	log.Fatal(http.ListenAndServe(":8080", nil))
}
