package store

import "encoding/binary"

// Key schema
//
// Every key starts with a one-byte prefix naming what it holds. Parts after
// the prefix are joined with a 0x00 byte (handles and ids never contain it).
// Times are big-endian Unix nanoseconds and ids are ULIDs, so keys sort by
// time. A collection is one key per member, never a growing JSON array.
// Index keys have empty values. Values are JSON documents of the domain types.
// Retired prefixes stay listed, commented out, so they are never reused.
//
//	0x01 settings                                  → domain.Settings
//	0x02 handle 0 HANDLE                           → domain.ActorType (the node's one handle namespace)
//	0x03 privkey 0 HANDLE                          → PKCS#8 PEM; read only to sign
//	0x04 instance                                  → domain.InstanceActor
//	0x05 edkey 0 HANDLE                            → Ed25519 seed; read only to sign records
//	0x06 schema                                    → uint32 BE: the indexes and counters built (migrate.go)
//	0x07 count 0 WHAT 0 SCOPE…                     → int64 BE: a count a page shows (page.go)
//	0x10 person 0 HANDLE                           → domain.Person
//	0x11 school 0 HANDLE                           → domain.School
//	0x12 course 0 HANDLE                           → domain.Course
//	0x13 task 0 COURSE 0 TASKID                    → domain.Task
//	0x14 badge 0 BADGEID                           → domain.Badge
//	0x15 badge-by-issuer 0 ISSUER 0 BADGEID        → empty (index)
//	0x16 post 0 COURSE 0 ULID                      → domain.Post
//	0x17 local-post 0 ULID                         → empty (index: local posts, for NodeInfo)
//	0x18 post-uri 0 URI                            → COURSE 0 ULID (index)
//	0x19 reply 0 PARENTURI 0 ULID                  → COURSE 0 ULID (index)
//	0x1a thread 0 THREAD 0 ULID                    → COURSE 0 ULID (index)
//	0x1b reaction 0 ACTIVITYID                     → KIND 0 POSTURI 0 ACTOR
//	0x1c reaction-by 0 KIND 0 POSTURI 0 ACTOR      → ACTIVITYID (one per actor)
//	0x1d root 0 COURSE 0 ULID                      → empty (index: top-level posts of a discussion)
//	0x1e pinned 0 COURSE 0 ULID                    → empty (index: pinned local posts)
//	0x1f course-list 0 KIND 0 VALUE 0 HANDLE       → empty (index: domain.Course.Lists)
//	0x20 ractor 0 ACTORID                          → domain.RemoteActor (cache)
//	0x21 follower 0 LOCAL 0 ACTORID                → domain.Follower
//	0x22 followed-by 0 ACTORID 0 LOCAL             → empty (index: follows by a remote actor)
//	0x23 following 0 LOCAL 0 TARGETID              → domain.Following
//	0x24 following-act 0 ACTIVITYID                → LOCAL 0 TARGETID (index)
//	0x25 following-of 0 TARGETID 0 LOCAL           → empty (index)
//	0x26 tombstone 0 ID                            → domain.Tombstone (no TTL)
//	0x27 ractor-key 0 KEYID                        → ACTORID (index)
//	0x28 follower-at 0 LOCAL 0 STATE 0 CREATED(8 bytes BE nanos) ACTORID → empty (index: followers by state, in follow order)
//	0x29 follower-inbox 0 LOCAL 0 INBOX            → count (8 bytes BE) of accepted followers delivered there (index)
//	0x30 seen 0 ACTIVITYID                         → empty, with a TTL (dedupe)
//	0x31 inbox-journal 0 ULID                      → domain.InboxItem (journal.go)
//	0x32 activity 0 ACTIVITYID                     → domain.OutActivity
//	0x33 delivery 0 NEXTAT(8 bytes BE nanos) ULID  → domain.Delivery (due order)
//	0x34 host 0 HOST                               → domain.HostHealth
//	0x35 inbox-host 0 HOST 0 ULID                  → empty (index: each sending domain's items in
//	                                                 journal order, which the processor takes
//	                                                 turns between; items of versions before it
//	                                                 have none until the inbox adds it at start)
//	0x36 outbox 0 ACTOR 0 AT(8 bytes BE nanos) ACTIVITYID → OBJECTID (index: a local actor's public
//	                                                 activities, newest first, its outbox)
//	0x37 outbox-of 0 OBJECTID 0 ACTIVITYID         → the outbox key (index: the outbox entries that
//	                                                 publish an object, taken out when it is deleted)
//	0x40 task-rev 0 COURSE 0 TASK 0 REV(4 bytes BE) → domain.TaskRevision
//	0x41 completion 0 COURSE 0 TASK 0 LEARNER      → domain.Completion
//	0x42 completion-by 0 COURSE 0 LEARNER 0 TASK   → empty (index)
//	0x43 vote 0 BADGE 0 LEARNER 0 VOTER            → empty
//	0x44 award 0 AWARDID                           → domain.Award
//	0x45 award-of 0 BADGE 0 LEARNER                → AWARDID (index)
//	0x46 award-by 0 LEARNER 0 AWARDID              → empty (index)
//	0x47 received 0 LEARNER 0 NOTEURI              → domain.ReceivedBadge
//	0x48 received-note 0 NOTEURI                   → LEARNER (index)
//	0x49 completion-id 0 ID                        → COURSE 0 TASK 0 LEARNER (index)
//	0x4a remote-task 0 COURSEID 0 TASKID           → domain.RemoteTask (cache)
//	0x4b evidence-comment 0 COURSE 0 TASK 0 LEARNER 0 ULID → domain.EvidenceComment
//	0x50 session 0 ID                              → domain.Session, with a TTL
//	0x51 session-of 0 HANDLE 0 ID                  → empty, with the same TTL (index)
//	0x60 domain-block 0 DOMAIN                     → domain.DomainBlock
//	0x61 report 0 ID                               → domain.Report
//	0x62 report-of 0 COURSE 0 ID                   → empty (index of local reports)
//	0x63 report-by 0 REPORTER 0 POSTURI            → ID (index of local reports)
//	0x70 post-by 0 AUTHOR 0 ULID                   → COURSE 0 ULID (index: an author's posts, for
//	                                                 the deletion of their account; since schema 3)
//	0x80 image 0 SHA256HEX                         → domain.Image (uploads with no TTL; remote
//	                                                 avatars with their entry's TTL)
//	0x81 remote-avatar 0 ACTORID                   → domain.RemoteAvatar, with a TTL
//	0x82 notification 0 PERSON 0 ULID              → domain.Notification (a person's, oldest first;
//	                                                 at most domain.MaxNotifications)
//	0x83 notification-read 0 PERSON                → ULID: the newest notification the person saw
//	0x90 mail-settings 0 HANDLE                    → domain.MailSettings (mail.go)
//	0x91 mail-address 0 ADDRESS 0 HANDLE           → empty (index: who gave an address)
//	0x92 mail-token 0 SHA256HEX                    → domain.MailToken, with a TTL (mailed links)
//	0x93 mail 0 NEXTAT(8 bytes BE nanos) ULID      → domain.OutMail (the mail queue, due order)
//	0xa0 meeting 0 COURSE 0 ID                     → domain.Meeting
//	0xa1 rsvp 0 MEETING 0 ACTOR                    → domain.RSVP
//	0xa2 attendance 0 MEETING 0 START 0 ACTOR      → domain.Attendance (START: UTC, 20060102T150405Z, so it sorts)
//	0xa3 attended 0 COURSE 0 ACTOR 0 MEETING 0 START → empty (index: what a person came to)
//	0xa4 reminded 0 MEETING 0 START                → empty (the session's reminder went out)
//	0xa5 remote-meeting 0 EVENTID                  → domain.RemoteMeeting
//	0xa6 remote-meeting-of 0 COURSEID 0 EVENTID    → empty (index)
//	0xb0 review 0 COURSE 0 TASK 0 LEARNER 0 REVIEWER → domain.Review (one per reviewer)
//	0xb8 past-completion 0 COURSE 0 LEARNER 0 ULID → domain.PastCompletion (attempts set aside by a restart)

const (
	pSettings      byte = 0x01
	pHandle        byte = 0x02
	pPrivKey       byte = 0x03
	pInstance      byte = 0x04
	pEdKey         byte = 0x05
	pSchema        byte = 0x06
	pCount         byte = 0x07
	pPerson        byte = 0x10
	pSchool        byte = 0x11
	pCourse        byte = 0x12
	pTask          byte = 0x13
	pBadge         byte = 0x14
	pBadgeByIssuer byte = 0x15
	pPost          byte = 0x16
	pLocalPost     byte = 0x17
	pPostURI       byte = 0x18
	pReply         byte = 0x19
	pThread        byte = 0x1a
	pReaction      byte = 0x1b
	pReactionBy    byte = 0x1c
	pRoot          byte = 0x1d
	pPinned        byte = 0x1e
	pCourseList    byte = 0x1f
	pRemoteActor   byte = 0x20
	pFollower      byte = 0x21
	pFollowedBy    byte = 0x22
	pFollowing     byte = 0x23
	pFollowingAct  byte = 0x24
	pFollowingOf   byte = 0x25
	pTombstone     byte = 0x26
	pRemoteKey     byte = 0x27
	pFollowerAt    byte = 0x28
	pFollowerInbox byte = 0x29
	pSeen          byte = 0x30
	pInbox         byte = 0x31
	pActivity      byte = 0x32
	pDelivery      byte = 0x33
	pHost          byte = 0x34
	pInboxHost     byte = 0x35
	pOutbox        byte = 0x36
	pOutboxOf      byte = 0x37
	pTaskRev       byte = 0x40
	pCompletion    byte = 0x41
	pCompletionBy  byte = 0x42
	pVote          byte = 0x43
	pAward         byte = 0x44
	pAwardOf       byte = 0x45
	pAwardBy       byte = 0x46
	pReceived      byte = 0x47
	pReceivedNote  byte = 0x48
	pCompletionID  byte = 0x49
	pRemoteTask    byte = 0x4a
	pComment       byte = 0x4b
	pSession       byte = 0x50
	pSessionOf     byte = 0x51
	pDomainBlock   byte = 0x60
	pReport        byte = 0x61
	pReportOf      byte = 0x62
	pReportBy      byte = 0x63
	pPostBy        byte = 0x70
	pImage         byte = 0x80
	pRemoteAvatar  byte = 0x81
	pNotification  byte = 0x82
	pNotifyRead    byte = 0x83
	pMailSettings  byte = 0x90
	pMailAddress   byte = 0x91
	pMailToken     byte = 0x92
	pMail          byte = 0x93
	pMeeting       byte = 0xa0
	pRSVP          byte = 0xa1
	pAttendance    byte = 0xa2
	pAttended      byte = 0xa3
	pReminded      byte = 0xa4
	pRemoteMeeting byte = 0xa5
	pRemoteMeetOf  byte = 0xa6
	pReview        byte = 0xb0
	pPastAttempt   byte = 0xb8
)

// key builds a key from a prefix and parts, joined with 0x00.
func key(prefix byte, parts ...string) []byte {
	n := 1
	for _, p := range parts {
		n += len(p) + 1
	}
	k := make([]byte, 0, n)
	k = append(k, prefix)
	for i, p := range parts {
		if i > 0 {
			k = append(k, 0)
		}
		k = append(k, p...)
	}
	return k
}

// prefixOf is the key prefix that covers every key starting with parts,
// including the trailing separator when there are parts.
func prefixOf(prefix byte, parts ...string) []byte {
	k := key(prefix, parts...)
	if len(parts) > 0 {
		k = append(k, 0)
	}
	return k
}

// deliveryKey orders deliveries by when they are due: the prefix, the
// big-endian due time, then the ULID.
func deliveryKey(nextAt int64, id string) []byte {
	k := make([]byte, 0, 1+1+8+len(id))
	k = append(k, pDelivery, 0)
	k = binary.BigEndian.AppendUint64(k, uint64(nextAt))
	return append(k, id...)
}
