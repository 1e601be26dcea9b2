package logs

import "time"

// FollowTail is the history -f prints per container when neither a tail
// nor a since bound is given: following a busy service from its first
// line is rarely what one wants.
const FollowTail int64 = 10

// Bound sets o.Since and o.Tail from the flags of berth logs: since (0:
// unset), tail (negative: all) and whether --tail was given. With Follow
// and neither bound, the last FollowTail lines of each container.
func (o *Options) Bound(since time.Duration, tail int64, tailSet bool) {
	o.Since, o.Tail = nil, nil
	if since > 0 {
		o.Since = &since
	}
	switch {
	case tailSet && tail >= 0:
		o.Tail = &tail
	case !tailSet && o.Follow && since == 0:
		ten := FollowTail
		o.Tail = &ten
	}
}
