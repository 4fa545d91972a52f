module github.com/acme/checkout/v2

go 1.23.4

require golang.org/x/sync v0.10.0
