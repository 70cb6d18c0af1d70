package replay

import (
	"bytes"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWireTrace: what the server's side records, saved and loaded, answers
// the replay's questions: which read completed a request, which write
// completed a reply, and the model connection's reads and writes by port.
func TestWireTrace(t *testing.T) {
	tr := &WireTrace{}
	in := tr.Reader(strings.NewReader("0123456789"))
	buf := make([]byte, 4)
	var reads []time.Time
	for {
		n, err := in.Read(buf)
		if n > 0 {
			reads = append(reads, time.Now())
		}
		if err == io.EOF {
			break
		}
	}
	var out bytes.Buffer
	w := tr.Writer(&out)
	w.Write([]byte("abc"))
	w.Write([]byte("defg"))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.Copy(c, c) // echo
			c.Close()
		}
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := tr.Conn(raw)
	defer c.Close()
	beforeWrite := time.Now()
	c.Write([]byte("ping"))
	afterWrite := time.Now()
	io.ReadFull(c, buf)
	port := raw.LocalAddr().(*net.TCPAddr).Port

	path := filepath.Join(t.TempDir(), "wire.trace")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	evs, err := loadWireTrace(path)
	if err != nil {
		t.Fatal(err)
	}
	st := serverTimes(evs)
	// Bytes 5..8 came in the second read, 9..10 in the third.
	if got, ok := st.received(6); !ok || got.After(reads[1]) || (len(reads) > 2 && !got.Before(reads[2])) {
		t.Errorf("received(6) = %v, %v; reads at %v", got, ok, reads)
	}
	if _, ok := st.received(11); ok {
		t.Error("received past the end of what was read")
	}
	if _, ok := st.sent(7); !ok {
		t.Error("no write of 7 bytes in all")
	}
	if _, ok := st.sent(8); ok {
		t.Error("sent past the end of what was written")
	}
	sent, ok := st.modelSent(port, afterWrite)
	if !ok || sent.Before(beforeWrite) || sent.After(afterWrite) {
		t.Errorf("modelSent = %v, %v; written between %v and %v", sent, ok, beforeWrite, afterWrite)
	}
	if _, ok := st.modelSent(port+1, afterWrite); ok {
		t.Error("a write found on another port")
	}
	if got, ok := st.modelRead(port, beforeWrite); !ok || got.Before(afterWrite.Add(-time.Second)) {
		t.Errorf("modelRead = %v, %v", got, ok)
	}
}
