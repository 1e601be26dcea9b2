// Command pricing serves prices over HTTP.
package main

import (
	"fmt"
	"log"
	"net/http"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /prices/{sku}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s: 9.99\n", r.PathValue("sku"))
	})
	log.Fatal(http.ListenAndServe(":9000", mux))
}
