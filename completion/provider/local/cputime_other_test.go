//go:build !linux

package local

import "time"

func cpuTime() time.Duration { return 0 }
