module example.com/acme/pricing

go 1.23
