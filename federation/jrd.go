package federation

// JRD is a WebFinger response (RFC 7033 §4.4): a subject, its aliases and its links. The node serves one at
// /.well-known/webfinger and reads one when it looks a handle up (fetch.Client.LookupWebFinger).
type JRD struct {
	Subject string    `json:"subject"`
	Aliases []string  `json:"aliases,omitempty"`
	Links   []JRDLink `json:"links"`
}

// JRDLink is one link of a JRD (RFC 7033 §4.4.4). NodeInfo's well-known document uses the same shape.
type JRDLink struct {
	Rel  string `json:"rel"`
	Type string `json:"type,omitempty"`
	Href string `json:"href,omitempty"`
}
