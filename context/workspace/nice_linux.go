package workspace

import (
	"runtime"
	"syscall"
)

// lowerPriority moves the calling goroutine, for the rest of its life, to
// an OS thread of its own at the lowest CPU priority (nice 19). The thread
// is not given back: it ends with the goroutine, since an unprivileged
// process cannot raise a thread's priority again.
//
// The background reparse runs there. With error recovery, reparsing a
// large file while a function is typed in its middle takes 150 ms a key or
// more, nearly all of it in C, and on a two-core machine it took a core
// from the completion path (request → model call → answer), which is a
// chain of hand-offs between goroutines, each waiting for a core. At nice
// 19 the kernel runs the reparse on what the rest leaves; the requests use
// the last tree with the edits since applied (TreeNow) anyway.
func lowerPriority() {
	runtime.LockOSThread()
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 19)
}
