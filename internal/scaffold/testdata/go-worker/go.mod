module github.com/acme/mailer

go 1.23
