package web_test

import (
	"errors"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/web"
)

// TestStatusOf: the one mapping from domain codes to HTTP statuses, which
// the pages and the admin socket share (they had a copy each, and the two
// disagreed on EUNAUTHORISED).
func TestStatusOf(t *testing.T) {
	for code, want := range map[string]int{
		domain.EINVALID: 400, domain.EUNAUTHORISED: 401, domain.EFORBIDDEN: 403, domain.ENOTFOUND: 404,
		domain.ECONFLICT: 409, domain.EUNAVAILABLE: 503, domain.EINTERNAL: 500,
	} {
		if got := web.StatusOf(domain.Errorf(code, "x")); got != want {
			t.Errorf("%s: %d, want %d", code, got, want)
		}
	}
	if got := web.StatusOf(errors.New("disk on fire")); got != 500 {
		t.Errorf("a plain error: %d", got)
	}
}
