package browsertest

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lernejo/lernejo/node"
)

// TestProfileAvatarJourney: a learner signs up, writes their profile (a
// display name and a bio with a link) and uploads an avatar from a file
// chooser; the profile page shows the picture the node re-encoded (a
// 400x400 image that loaded), the bio's link clickable and the courses
// they take; their post in a course's discussion shows the same avatar
// beside their name. A file that is no image is refused next to the form,
// keeping what they typed. Nothing overflows a phone's width.
func TestProfileAvatarJourney(t *testing.T) {
	t.Parallel()
	n := startNode(t, node.Config{Demo: true})
	b := newBrowser(t)
	dir := t.TempDir()
	photo := filepath.Join(dir, "me.jpg")
	img := image.NewRGBA(image.Rect(0, 0, 800, 600))
	for y := range 600 {
		for x := range 800 {
			img.Set(x, y, color.RGBA{uint8(x / 4), uint8(y / 3), 160, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(photo, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	notImage := filepath.Join(dir, "notes.png")
	if err := os.WriteFile(notImage, []byte("just some notes, not a picture\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	lea := b.as("lea", n.Base)
	lea.signUp("lea", "Lea", "a long enough password")
	course := "/courses/" + node.DemoCourse
	lea.openOK(course)
	lea.pressOK("Join this Study Group")

	lea.openOK("/settings/profile")
	lea.fill("Display name", "Lea Learner")
	lea.fill("About you", "Learning Python. My notes: https://notes.example/lea")
	lea.step("choose a file that is no image", chromedp.SetUploadFiles(labelled("Choose a picture"), []string{notImage}))
	if st := lea.press("Save profile"); st != 400 {
		t.Fatalf("a text file as avatar answered %d\n%s", st, lea.where())
	}
	lea.sees("The avatar is not a PNG, JPEG or WebP image.")
	if v, _ := chromedp.Run(lea.ctx, chromedp.Value(labelled("About you"))); !strings.Contains(v, "notes.example") {
		t.Fatalf("the bio typed is lost: %q", v)
	}

	lea.step("choose the photo", chromedp.SetUploadFiles(labelled("Choose a picture"), []string{photo}))
	lea.pressOK("Save profile")
	lea.sees("Your profile has been saved.")
	lea.screenshot("profile-settings")

	lea.follow("your page")
	lea.sees("Lea Learner", "Learning Python.", "Taking part in", "A Gentle Introduction to Python")
	width, err := chromedp.Run(lea.ctx, chromedp.Evaluate[int](`(() => {
	const i = document.querySelector(".profile-head img.avatar");
	return i && i.complete ? i.naturalWidth : 0; })()`))
	if err != nil || width != 400 {
		t.Fatalf("the profile's avatar is %d pixels wide (%v)\n%s", width, err, lea.where())
	}
	avatar, err := chromedp.Run(lea.ctx, chromedp.Evaluate[string](`document.querySelector(".profile-head img.avatar").src`))
	if err != nil || !strings.HasPrefix(avatar, n.Base+"/images/") {
		t.Fatalf("the avatar's address is %q (%v)", avatar, err)
	}
	href, err := chromedp.Run(lea.ctx, chromedp.Evaluate[string](`(() => { const a = document.querySelector(".bio a"); return a ? a.href : ""; })()`))
	if err != nil || href != "https://notes.example/lea" {
		t.Fatalf("the bio's link is %q (%v)", href, err)
	}
	lea.screenshot("profile")

	lea.openOK(course)
	lea.fill("Write a post", "Hello, I am Lea")
	lea.pressOK("Post")
	lea.sees("Hello, I am Lea")
	beside, err := chromedp.Run(lea.ctx, chromedp.Evaluate[string](`(() => {
	const a = [...document.querySelectorAll("article.post")].find(a => a.textContent.includes("Hello, I am Lea"));
	const i = a && a.querySelector(".byline img.avatar");
	return i && i.complete && i.naturalWidth > 0 ? i.src : ""; })()`))
	if err != nil || beside != avatar {
		t.Fatalf("beside the post: %q, want the avatar %q (%v)\n%s", beside, avatar, err, lea.where())
	}

	// At a phone's width, the profile pages do not overflow.
	lea.step("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	for _, path := range []string{"/people/lea", "/settings/profile", course} {
		lea.openOK(path)
		over, err := chromedp.Run(lea.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
		if err != nil || over {
			t.Errorf("%s overflows a 390 px phone (%v)", path, err)
		}
	}
}
