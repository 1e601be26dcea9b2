package cli

// usage makes a library's error a usage error: a mistake in how berth was
// called, exit code 2 (nil stays nil).
func usage(err error) error {
	if err == nil {
		return nil
	}
	return &UsageError{Err: err}
}
