package chaos

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine (a worker, a timer, a
// connection of the client or the server) outlives the tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
