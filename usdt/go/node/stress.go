// SPDX-License-Identifier: Apache-2.0

package main

// stress.go: what the node can run around its traced calls, to hold the
// metrics package's probe path to the Go runtime's rules (the safety tests
// of tests/integration/test_go_safety.py):
//   - --hammer N: every chunk also sends N one-byte stream_data events on
//     its stream, so that most of the run is spent in traced calls;
//   - --stress-gc: the garbage collector runs back to back (GOGC=1 and a
//     goroutine forcing collections while it allocates), which also
//     shrinks goroutine stacks that have grown;
//   - --stress-stack: every chunk runs at another depth of a recursion with
//     large frames, so that goroutine stacks grow (and are moved) between
//     and inside traced calls;
//   - --stress-preempt: two spinning goroutines without a call in their loop,
//     which only asynchronous preemption (SIGURG) can stop for the
//     collector; the node counts the SIGURGs it receives;
//   - --cpuprofile FILE: a CPU profile (SIGPROF) of the whole run at 1 kHz.
// What ran is written to the ledger as comment lines "# stress NAME N".

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
)

type stress struct {
	gc, stack, preempt bool
	hammer             int
	cpuprofile         string

	stop     chan struct{}
	wg       sync.WaitGroup
	spinning int32
	sigurg   uint64
	spins    uint64
	profile  *os.File
}

// start begins what was asked for; end stops it and returns the ledger's
// comment lines.
func (s *stress) start() error {
	s.stop = make(chan struct{})
	if s.cpuprofile != "" {
		f, err := os.Create(s.cpuprofile)
		if err != nil {
			return err
		}
		// before StartCPUProfile, which keeps a rate already set (Go 1.19
		// says so on stderr)
		runtime.SetCPUProfileRate(1000)
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
		s.profile = f
	}
	if s.gc {
		debug.SetGCPercent(1)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			var keep [][]byte
			for {
				select {
				case <-s.stop:
					return
				default:
				}
				keep = append(keep, make([]byte, 64<<10))
				if len(keep) > 16 {
					keep = keep[:0]
				}
				runtime.GC()
			}
		}()
	}
	if s.preempt {
		urg := make(chan os.Signal, 1024)
		signal.Notify(urg, syscall.SIGURG)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for {
				select {
				case <-urg:
					atomic.AddUint64(&s.sigurg, 1)
				case <-s.stop:
					signal.Stop(urg)
					return
				}
			}
		}()
		atomic.StoreInt32(&s.spinning, 1)
		for i := 0; i < 2; i++ {
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				n := uint64(0)
				// no call in the loop: no synchronous preemption point
				for atomic.LoadInt32(&s.spinning) != 0 {
					n++
				}
				atomic.AddUint64(&s.spins, n)
			}()
		}
	}
	return nil
}

func (s *stress) end() (string, error) {
	atomic.StoreInt32(&s.spinning, 0)
	close(s.stop)
	s.wg.Wait()
	if s.profile != nil {
		pprof.StopCPUProfile()
		if err := s.profile.Close(); err != nil {
			return "", err
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return fmt.Sprintf("# stress gc %d\n# stress sigurg %d\n# stress hammer %d\n",
		m.NumGC, atomic.LoadUint64(&s.sigurg), s.hammer), nil
}

// deep runs f under depth frames of about 1 KiB each.
//
//go:noinline
func deep(depth int, f func()) {
	var pad [1000]byte
	if depth > 0 {
		deep(depth-1, f)
		pad[depth%len(pad)]++
		return
	}
	f()
	_ = pad
}
