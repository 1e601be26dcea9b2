package main

// main is a placeholder so this package builds on its own branch; the
// program's real main.go (table of builders) replaces it on merge.
func main() {}
