package web

import (
	"io"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/service"
	"github.com/lernejo/lernejo/service/imaging"
)

// profileForm is the profile settings page: what the person has, or what
// they typed when it was refused, and the outcome of their last save.
type profileForm struct {
	DisplayName, Bio string
	Avatar, Header   string // the pictures' URLs, "" for none
	Error            string
	MaxBytes         string // the upload limit, in words
}

// newProfileForm is the form filled with the viewer's profile as saved.
func (s *Server) newProfileForm(p *domain.Person) profileForm {
	f := profileForm{DisplayName: p.DisplayName, Bio: p.Bio, MaxBytes: domain.Bytes(imaging.MaxBytes)}
	if p.Avatar != "" {
		f.Avatar = s.urls.Image(p.Avatar)
	}
	if p.Header != "" {
		f.Header = s.urls.Image(p.Header)
	}
	return f
}

// getProfile shows the viewer's profile settings.
func (s *Server) getProfile(c *fiber.Ctx) error {
	f := s.newProfileForm(s.viewer(c)) // behind the loggedIn guard
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, "profile", pageData{Title: s.printer(c).T("Your profile"), Data: f})
}

// postProfile saves the viewer's profile: a multipart form, whose body the
// server's BodyLimit caps before anything reads it. A refusal shows the
// form again with what they typed and what to fix.
func (s *Server) postProfile(c *fiber.Ctx) error {
	p := s.viewer(c) // behind the loggedIn guard
	in := service.ProfileEdit{DisplayName: c.FormValue("display_name"), Bio: c.FormValue("bio"),
		RemoveAvatar: c.FormValue("remove_avatar") == "1", RemoveHeader: c.FormValue("remove_header") == "1"}
	var err error
	if in.Avatar, err = formPicture(c, "avatar", "avatar"); err == nil {
		in.Header, err = formPicture(c, "header", "header image")
	}
	if err == nil {
		ctx, cancel := ctx(c)
		defer cancel()
		err = s.cfg.Services.Profiles.Edit(ctx, p.Handle, in)
	}
	switch domain.ErrorCode(err) {
	case "":
		return s.notice(c, "/settings/profile", s.printer(c).T("Your profile has been saved."))
	case domain.EINVALID, domain.EUNAVAILABLE:
		f := s.newProfileForm(p)
		f.DisplayName, f.Bio, f.Error = in.DisplayName, in.Bio, s.message(c, err)
		c.Set(fiber.HeaderCacheControl, "no-store")
		c.Status(StatusOf(err))
		return s.render(c, "profile", pageData{Title: s.printer(c).T("Your profile"), Data: f})
	}
	return err
}

// formPicture reads the file uploaded in the form's field, nil when none
// was chosen. The body as a whole is capped by the server; a file over
// imaging.MaxBytes is refused before it is read.
func formPicture(c *fiber.Ctx, field, what string) ([]byte, error) {
	fh, err := c.FormFile(field)
	if err != nil || fh.Size == 0 {
		return nil, nil
	}
	if fh.Size > imaging.MaxBytes {
		return nil, domain.Errorf(domain.EINVALID, "The %s is too large: at most %s.", domain.Phrase(what), domain.Bytes(imaging.MaxBytes))
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, imaging.MaxBytes+1))
}

// courseImage is an organiser uploading (or removing) their course's
// picture, from its manage page.
func (s *Server) courseImage(c *fiber.Ctx) error {
	p, co, err := s.organised(c)
	if err != nil {
		return err
	}
	pr := s.printer(c)
	data, err := formPicture(c, "image", "course image")
	if err == nil {
		ctx, cancel := ctx(c)
		defer cancel()
		err = s.cfg.Services.Profiles.CourseImage(ctx, p.Handle, co.Handle, data, c.FormValue("remove") == "1")
	}
	return s.back(c, co.Handle, service.TabSettings, err, pr.T("The picture is saved."))
}

// schoolImage is a school's organiser (or an operator) uploading (or
// removing) its picture, from its page.
func (s *Server) schoolImage(c *fiber.Ctx) error {
	pr := s.printer(c)
	data, err := formPicture(c, "image", "school image")
	if err == nil {
		ctx, cancel := ctx(c)
		defer cancel()
		err = s.cfg.Services.Profiles.SchoolImage(ctx, s.viewer(c).Handle, c.Params("handle"), data, c.FormValue("remove") == "1")
	}
	return s.schoolBack(c, err, pr.T("The school's picture is saved."))
}

// image serves a picture the node stores, by its file name (HASH.png or
// HASH.jpg). The name is the hash of the bytes, so the response never
// changes and is cached for a year, immutable. The bytes are ones this
// node encoded, served with their own type, nosniff (securityHeaders) and
// a CSP sandbox: opened on its own, the image can run nothing.
func (s *Server) image(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	img, err := s.cfg.Services.Profiles.Image(ctx, c.Params("name"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, img.MediaType)
	c.Set(fiber.HeaderContentLength, strconv.Itoa(len(img.Data)))
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	c.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	return c.Send(img.Data)
}
