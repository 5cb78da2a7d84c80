// Copyright 2026 The mcp_exporter Authors
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
// http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

//go:build unix

package probehttp

import "syscall"

const canWaitReadable = true

// waitReadable returns once rc has something to read (bytes, the end of
// the stream or an error), or its deadline passed, without a buffer of
// the caller's: it looks with MSG_PEEK, then waits for the poller. The
// look costs the system call that a read finding nothing would have cost.
func waitReadable(rc syscall.RawConn) error {
	w := readableWait{}
	if err := rc.Read(w.ready); err != nil {
		return err
	}
	return nil
}

type readableWait struct {
	looked bool
	one    [1]byte
}

func (w *readableWait) ready(fd uintptr) bool {
	if w.looked {
		return true // woken by the poller
	}
	w.looked = true
	_, _, err := syscall.Recvfrom(int(fd), w.one[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return err != syscall.EAGAIN && err != syscall.EWOULDBLOCK
}
