package main

// builders is the table of the images this command builds: name -> builder.
// Add an image by writing its Builder in a file of its own and listing it
// here.
func builders() map[string]Builder {
	return map[string]Builder{
		"busybox": buildBusybox,
		"pause":   buildPause,
		"node":    nodeBase,
		"redis":   redisBase,
	}
}
