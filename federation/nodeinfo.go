package federation

// NodeInfo 2.1 (https://nodeinfo.diaspora.software/schema.html, FEP-f1d5):
// what the node is and how big, for the fediverse's statistics sites and
// for peers that decide by software how to talk to it.

// NodeInfoSchema is the rel of the NodeInfo 2.1 link at /.well-known/nodeinfo.
const NodeInfoSchema = "http://nodeinfo.diaspora.software/ns/schema/2.1"

// NodeInfoLinks is the document at /.well-known/nodeinfo: a JRD's links.
type NodeInfoLinks struct {
	Links []JRDLink `json:"links"`
}

// NodeInfo is a NodeInfo 2.1 document. Its services lists are empty: the
// node neither reads from nor publishes to other services.
type NodeInfo struct {
	Version           string           `json:"version"` // "2.1"
	Software          NodeInfoSoftware `json:"software"`
	Protocols         []string         `json:"protocols"`
	Services          NodeInfoServices `json:"services"`
	OpenRegistrations bool             `json:"openRegistrations"`
	Usage             NodeInfoUsage    `json:"usage"`
	Metadata          NodeInfoMetadata `json:"metadata"`
}

// NodeInfoSoftware names the software the node runs.
type NodeInfoSoftware struct {
	Name       string `json:"name"`
	Version    string `json:"version"`
	Repository string `json:"repository"`
	Homepage   string `json:"homepage"`
}

// NodeInfoServices are the third-party services the node reads from and
// publishes to.
type NodeInfoServices struct {
	Inbound  []string `json:"inbound"`
	Outbound []string `json:"outbound"`
}

// NodeInfoUsage are the node's counts: its people and its local posts.
type NodeInfoUsage struct {
	Users      NodeInfoUsers `json:"users"`
	LocalPosts int           `json:"localPosts"`
}

// NodeInfoUsers counts the node's people: all of them, and those active
// (who logged in or posted) in the last 30 and 180 days, as Mastodon
// reports them.
type NodeInfoUsers struct {
	Total          int `json:"total"`
	ActiveMonth    int `json:"activeMonth"`
	ActiveHalfyear int `json:"activeHalfyear"`
}

// NodeInfoMetadata is what NodeInfo leaves to the software: the operator's
// name and description of the node, its number of published courses
// (drafts left out) and the kinds
// of activity it offers.
type NodeInfoMetadata struct {
	NodeName        string   `json:"nodeName"`
	NodeDescription string   `json:"nodeDescription"`
	Courses         int      `json:"courses"`
	ActivityKinds   []string `json:"activityKinds"`
}

// NewNodeInfo is the NodeInfo 2.1 of a Lernejo node running version.
func NewNodeInfo(version string, openRegistrations bool, usage NodeInfoUsage, metadata NodeInfoMetadata) NodeInfo {
	return NodeInfo{
		Version: "2.1",
		Software: NodeInfoSoftware{Name: "lernejo", Version: version,
			Repository: "https://github.com/lernejo/lernejo", Homepage: "https://github.com/lernejo/lernejo"},
		Protocols:         []string{"activitypub"},
		Services:          NodeInfoServices{Inbound: []string{}, Outbound: []string{}},
		OpenRegistrations: openRegistrations,
		Usage:             usage,
		Metadata:          metadata,
	}
}
