// Command checkout serves the checkout API.
package main

import (
	"log"
	"net/http"

	"github.com/acme/checkout/v2/internal/pay"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/pay", pay.Handle)
	log.Fatal(http.ListenAndServe(":9090", mux))
}
