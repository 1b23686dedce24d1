//go:build linux

package ktime

import (
	"testing"
	"time"
)

// TestSystemClock checks the real clocks: converting the monotonic "now"
// gives the wall-clock now.
func TestSystemClock(t *testing.T) {
	c := NewConverter(System{}, 0)
	before := time.Now().UnixNano()
	got := c.Wall(c.Now())
	after := time.Now().UnixNano()
	if got < before-int64(time.Millisecond) || got > after+int64(time.Millisecond) {
		t.Errorf("Wall(Now()) = %d, want within [%d, %d]", got, before, after)
	}
}
