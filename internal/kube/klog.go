package kube

import (
	"flag"
	"io"
	"strconv"

	"k8s.io/klog/v2"
)

// LogTo shows client-go's logs up to klog level verbosity on w (-v N: 6
// shows every API request, 8 their bodies), with LogFilter keeping Secret
// values out of the bodies. klog's settings are process-wide: the command
// line calls it once, when its flags are parsed. A verbosity of 0 or less
// leaves klog as it is.
func LogTo(w io.Writer, verbosity int) {
	if verbosity <= 0 {
		return
	}
	klog.SetLogFilter(LogFilter{})
	var fs flag.FlagSet
	klog.InitFlags(&fs)
	_ = fs.Set("v", strconv.Itoa(verbosity))
	_ = fs.Set("logtostderr", "false")
	klog.SetOutput(w)
}
