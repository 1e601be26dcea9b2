// Package status reads an app's live state, what berth status shows: the
// newest release record, per service its workload (with kstatus's verdict,
// the one definition of healthy that berth deploy waits for), the images
// its pods run and where it is reachable, why an unhealthy service is not
// healthy, and the statuses of berth.yaml's third-party charts. It returns
// data; internal/output words it.
package status
