package federation

import (
	vocab "github.com/go-ap/activitypub"
)

// A course asks to join a school of another server with Offer: the course
// offers itself (object) to the school (target), as ActivityStreams'
// Offer{object, target} reads ("actor offers object to target"). Join
// would say the course becomes a member, which is what Lernejo's learners
// say to courses, and Add is what the owner of a collection sends
// (FEP-1b12 groups Add to their own featured collection): here the course
// cannot add itself, it asks. The school answers Accept{Offer} or
// Reject{Offer} embedding the Offer, as a course answers a Join.

// OfferRef is an Offer of a course to a school as it is embedded in the
// school's answer.
type OfferRef struct {
	ID, Course, School string
}

func (o OfferRef) object() ASActivity {
	return ASActivity{ID: o.ID, Type: vocab.OfferType, Actor: o.Course, Object: o.Course, Target: o.School}
}

// OfferCourse is a course's request to join a school, addressed to the school.
func OfferCourse(id string, o OfferRef) []byte {
	a := o.object()
	a.ID, a.To = id, []string{o.School}
	return activity(a)
}

// AcceptOffer is the school's yes: public, since the school now lists the
// course, so it is addressed to the course with the school's followers
// and Public in cc, and it is in the school's outbox.
func AcceptOffer(id string, o OfferRef) []byte {
	return activity(ASActivity{ID: id, Type: vocab.AcceptType, Actor: o.School, Object: o.object(),
		To: []string{o.Course}, CC: []string{Public, o.School + "/followers"}})
}

// RejectOffer is the school's no, for the course alone.
func RejectOffer(id string, o OfferRef) []byte {
	return activity(ASActivity{ID: id, Type: vocab.RejectType, Actor: o.School, Object: o.object(), To: []string{o.Course}})
}
