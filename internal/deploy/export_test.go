package deploy

// Renders is how many times d has rendered a project for a deploy or diff.
func Renders(d *Deployer) int64 { return d.renders.Load() }
