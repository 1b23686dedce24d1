package ktime

import (
	"sync"
	"testing"
	"time"
)

// fakeClock advances its monotonic clock by step on every read, so the
// midpoint rule is visible; realtime is monotonic plus offset.
type fakeClock struct {
	mu     sync.Mutex
	mono   int64
	step   int64
	offset int64
	reads  int
}

func (f *fakeClock) Monotonic() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	v := f.mono
	f.mono += f.step
	return v
}

func (f *fakeClock) Realtime() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	v := f.mono + f.offset
	f.mono += f.step
	return v
}

func (f *fakeClock) set(mono, offset int64) {
	f.mu.Lock()
	f.mono, f.offset = mono, offset
	f.mu.Unlock()
}

func TestWall(t *testing.T) {
	const sec = int64(time.Second)
	tests := []struct {
		name      string
		step      int64 // monotonic advance per clock read
		mono      uint64
		want      int64
		wantReads int // clock reads after the constructor's sample
	}{
		// Reads at mono 1000 (m1), 1010 (realtime, offset applied), 1020
		// (m2): midpoint 1010, realtime 1010+off, offset exact.
		{"exact offset with skewed reads", 10, 5000, 5000 + 7*sec, 0},
		{"no read within the interval", 0, uint64(sec), sec + 7*sec, 0},
		{"resample at the interval", 0, uint64(1000 + sec), 1000 + sec + 7*sec, 3},
		{"times before the sample use the offset too", 0, 10, 10 + 7*sec, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &fakeClock{mono: 1000, step: tt.step, offset: 7 * sec}
			c := NewConverter(clk, time.Second)
			before := clk.reads
			clk.step = 0
			if got := c.Wall(tt.mono); got != tt.want {
				t.Errorf("Wall(%d) = %d, want %d", tt.mono, got, tt.want)
			}
			if got := clk.reads - before; got != tt.wantReads {
				t.Errorf("clock reads %d, want %d", got, tt.wantReads)
			}
		})
	}
}

// TestClockStep checks that a realtime step (NTP, date -s) reaches the
// converted times at the next sample and not before, and that the step is
// recorded for the report.
func TestClockStep(t *testing.T) {
	const sec = int64(time.Second)
	clk := &fakeClock{mono: 100 * sec, offset: 1000 * sec}
	c := NewConverter(clk, time.Second)
	clk.set(100*sec+sec/2, 1005*sec) // realtime jumps 5 s forward
	if got, want := c.Wall(uint64(100*sec+sec/2)), 100*sec+sec/2+1000*sec; got != want {
		t.Errorf("within the interval: %d, want %d (old offset)", got, want)
	}
	clk.set(101*sec, 1005*sec)
	if got, want := c.Wall(uint64(101*sec)), 101*sec+1005*sec; got != want {
		t.Errorf("after the interval: %d, want %d (new offset)", got, want)
	}
	st := c.Stats()
	if st.MaxStep != 5*sec || st.Offset != 1005*sec || st.Samples != 2 {
		t.Errorf("stats %+v, want step 5 s, offset 1005 s, 2 samples", st)
	}
	clk.set(101*sec+1, 1003*sec)
	c.Resample()
	if got := c.Wall(uint64(101 * sec)); got != 101*sec+1003*sec {
		t.Errorf("after Resample: %d, want the new offset applied", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	clk := &fakeClock{mono: 1, step: 1, offset: 42}
	c := NewConverter(clk, time.Nanosecond)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				w := c.Wall(uint64(g*1000 + i))
				if w != int64(g*1000+i)+42 {
					t.Errorf("Wall = %d, want offset 42", w)
					return
				}
				if i%100 == 0 {
					c.Resample()
				}
			}
		}()
	}
	wg.Wait()
}
