package node

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"regexp"
	"strings"
	"testing"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/service"
)

// TestRemoteAvatarAcrossNodes: bea on A uploads an avatar, enrols in B's
// course and posts there. B's course page first shows the post with a
// placeholder, then, once B's fetchers fetched bea's icon from A through
// the guarded client, with bea's avatar served by B itself (never A's URL),
// a 96x96 picture B re-encoded. When bea changes her avatar, the Update
// she sends has B fetch the new one.
func TestRemoteAvatarAcrossNodes(t *testing.T) {
	ctx := context.Background()
	a, b := twoNodes(t)
	course := b.URLs.Actor(domain.ActorCourse, DemoCourse)
	picture := func(c color.RGBA) []byte {
		img := image.NewRGBA(image.Rect(0, 0, 300, 200))
		for i := 0; i < len(img.Pix); i += 4 {
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, nil); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	if err := a.Services.Profiles.Edit(ctx, "bea", service.ProfileEdit{DisplayName: "Bea", Avatar: picture(color.RGBA{200, 30, 30, 255})}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Services.Enrolment.Follow(ctx, "bea", course); err != nil {
		t.Fatal(err)
	}
	eventually(t, "bea enrolled", func() bool { f := following(a, "bea", course); return f != nil && f.State == domain.FollowAccepted })
	if _, err := a.Services.Posts.Publish(ctx, service.PostInput{Author: "bea", Course: course, Text: "Hello from A"}); err != nil {
		t.Fatal(err)
	}

	// The avatar beside bea's post on B's course page: one B serves.
	avatarRE := regexp.MustCompile(`<img class="avatar" src="([^"]+)" alt="" width="32" height="32"><a href="[^"]*">Bea`)
	var src string
	eventually(t, "B shows bea's avatar beside her post", func() bool {
		_, page := get(t, course, "text/html")
		if !strings.Contains(string(page), "Hello from A") {
			return false
		}
		m := avatarRE.FindSubmatch(page)
		if m == nil {
			return false
		}
		src = string(m[1])
		return true
	})
	if !strings.HasPrefix(src, b.URLs.Base()+"/images/") || strings.Contains(src, a.URLs.Base()) {
		t.Fatalf("B's page shows %s, not a picture of its own", src)
	}
	resp, data := get(t, src, "")
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if resp.StatusCode != 200 || err != nil || format != "jpeg" || cfg.Width != 96 || cfg.Height != 96 {
		t.Fatalf("GET %s: %d %s %dx%d %v", src, resp.StatusCode, format, cfg.Width, cfg.Height, err)
	}

	// A new avatar: Update{Person} reaches B, which fetches it again.
	if err := a.Services.Profiles.Edit(ctx, "bea", service.ProfileEdit{DisplayName: "Bea", Avatar: picture(color.RGBA{30, 30, 200, 255})}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B shows bea's new avatar", func() bool {
		_, page := get(t, course, "text/html")
		m := avatarRE.FindSubmatch(page)
		return m != nil && string(m[1]) != src
	})
}
