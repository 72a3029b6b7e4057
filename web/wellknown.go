package web

import (
	"encoding/json"
	"encoding/xml"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lernejo/lernejo/domain"
	"github.com/lernejo/lernejo/federation"
)

// webfinger resolves acct:HANDLE@DOMAIN, or a local actor URL, to the actor.
// Mastodon requires the self link and the actor to point at each other.
func (s *Server) webfinger(c *fiber.Ctx) error {
	// CORS for this GET only: browsers' remote-follow flows read it; no
	// credentials are involved (HOSTILE W8).
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	resource := c.Query("resource")
	if resource == "" {
		return fiber.NewError(fiber.StatusBadRequest, "the resource parameter is required")
	}
	handle, typ, ok := s.parseResource(resource)
	if !ok {
		return fiber.NewError(fiber.StatusBadRequest, "the resource must be acct:NAME@DOMAIN or an actor URL of this node")
	}
	if handle == "" {
		return fiber.NewError(fiber.StatusNotFound, "no such actor on this node")
	}
	ctx, cancel := ctx(c)
	defer cancel()
	typ, err := s.cfg.Services.Documents.Finger(ctx, handle, typ)
	if domain.IsNotFound(err) {
		return fiber.NewError(fiber.StatusNotFound, "no such actor on this node")
	}
	if err != nil {
		return err
	}
	id := s.urls.Actor(typ, handle)
	profile := id
	if typ == domain.ActorApplication {
		profile = s.urls.Path("/about")
	}
	return sendJSON(c, "application/jrd+json; charset=utf-8", federation.JRD{
		Subject: s.urls.Acct(handle),
		Aliases: []string{id},
		Links: []federation.JRDLink{
			{Rel: "self", Type: "application/activity+json", Href: id},
			{Rel: "http://webfinger.net/rel/profile-page", Type: "text/html", Href: profile},
		},
	})
}

// parseResource reads a WebFinger resource. ok is false when it is malformed
// or names another domain's account; handle is "" when it is well formed but
// names nothing that could be ours (an unknown local path).
func (s *Server) parseResource(resource string) (handle string, typ domain.ActorType, ok bool) {
	if strings.HasPrefix(resource, "acct:") || !strings.Contains(resource, "://") {
		acct := strings.TrimPrefix(strings.TrimPrefix(resource, "acct:"), "@")
		name, host, found := strings.Cut(acct, "@")
		if !found || name == "" || host == "" || strings.Contains(host, "@") {
			return "", "", false
		}
		canon, err := federation.CanonicalHost(host, strings.SplitN(s.urls.Base(), ":", 2)[0])
		if err != nil {
			return "", "", false
		}
		if canon != s.urls.Host() {
			return "", "", true // well formed, but not one of ours
		}
		name = strings.ToLower(name)
		if name != domain.InstanceActorName && domain.ValidateHandle(name) != nil {
			return "", "", true
		}
		return name, "", true
	}
	u, err := url.Parse(resource)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", false
	}
	if !federation.SameOrigin(resource, s.urls.Base()) {
		return "", "", true
	}
	// FEP-d556: the server's own URL names its Application actor.
	if u.Path == "/actor" || u.Path == "" || u.Path == "/" {
		return domain.InstanceActorName, domain.ActorApplication, true
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 {
		return "", "", true
	}
	t, known := actorTypes[parts[0]]
	if !known {
		return "", "", true
	}
	return parts[1], t, true
}

// hostMeta serves the XRD that points at WebFinger (RFC 6415).
func (s *Server) hostMeta(c *fiber.Ctx) error {
	type link struct {
		Rel      string `xml:"rel,attr"`
		Type     string `xml:"type,attr"`
		Template string `xml:"template,attr"`
	}
	type xrd struct {
		XMLName xml.Name `xml:"XRD"`
		XMLNS   string   `xml:"xmlns,attr"`
		Link    link     `xml:"Link"`
	}
	b, err := xml.Marshal(xrd{
		XMLNS: "http://docs.oasis-open.org/ns/xri/xrd-1.0",
		Link:  link{Rel: "lrdd", Type: "application/jrd+json", Template: s.urls.Path("/.well-known/webfinger?resource={uri}")},
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/xrd+xml; charset=utf-8")
	return c.Send(append([]byte(xml.Header), b...))
}

// nodeinfoWellKnown links the NodeInfo 2.1 document and, as FEP-2677 asks,
// the node's Application actor.
func (s *Server) nodeinfoWellKnown(c *fiber.Ctx) error {
	return c.JSON(federation.NodeInfoLinks{Links: []federation.JRDLink{
		{Rel: federation.NodeInfoSchema, Href: s.urls.Path("/nodeinfo/2.1")},
		{Rel: "https://www.w3.org/ns/activitystreams#Application", Href: s.urls.Path("/actor")},
	}})
}

// nodeinfo serves NodeInfo 2.1 with real counts.
func (s *Server) nodeinfo(c *fiber.Ctx) error {
	ctx, cancel := ctx(c)
	defer cancel()
	ni, err := s.cfg.Services.Documents.NodeInfo(ctx)
	if err != nil {
		return err
	}
	st := ni.Settings
	return sendJSON(c, `application/json; profile="`+federation.NodeInfoSchema+`#"`, federation.NewNodeInfo(s.cfg.Version, st.RegistrationOpen,
		federation.NodeInfoUsage{Users: federation.NodeInfoUsers{Total: ni.People, ActiveMonth: ni.ActiveMonth, ActiveHalfyear: ni.ActiveHalfyear}, LocalPosts: ni.Posts},
		federation.NodeInfoMetadata{NodeName: st.Name, NodeDescription: st.Description, Courses: ni.Courses, ActivityKinds: st.Kinds}))
}

// sendJSON answers with v as JSON under the given content type.
func sendJSON(c *fiber.Ctx, contentType string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, contentType)
	return c.Send(b)
}
