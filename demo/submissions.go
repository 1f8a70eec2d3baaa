package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"minyi/profile"
	"minyi/workflow"
)

// Item is a generated submission together with what it was written to be, so
// that a test or a simulation can compare tagging with the truth.
type Item struct {
	Submission workflow.Submission
	Tag        string // the tag the text was written for
	Kind       string // the kind it was written as, also when Submission.Kind is empty
	Urgent     bool   // written as an emergency in progress
}

// Shares of generated submissions, as fractions of all items.
const (
	urgentShare = 0.02 // emergencies in progress, such as 有人持刀
	repeatShare = 0.03 // the same citizen about the same place again
	phoneInBody = 0.03 // the citizen also writes the phone number in the body
)

// channelShare is one channel and its relative share.
type channelShare struct {
	channel string
	share   float64
}

// Channel mixes, by what an item is about. qr is a citizen who scanned a
// code, 110 a non-emergency transfer from the 110 desk, 12345 the city
// hotline, mailbox the director's mailbox, 12389 the discipline hotline,
// phone a unit's duty phone and email an e-mail to the bureau.
var (
	channelsDefault = []channelShare{
		{"qr", 30}, {"12345", 22}, {"110", 14}, {"phone", 10}, {"mailbox", 10}, {"email", 6},
	}
	channelsConduct = []channelShare{
		{"12389", 30}, {"qr", 25}, {"mailbox", 20}, {"12345", 15}, {"phone", 10},
	}
	channelsPraise = []channelShare{
		{"qr", 60}, {"mailbox", 15}, {"12345", 10}, {"phone", 10}, {"email", 5},
	}
	channelsTransfer = []channelShare{
		{"12345", 35}, {"110", 25}, {"qr", 20}, {"phone", 10}, {"mailbox", 10},
	}
	channelsUrgent = []channelShare{{"110", 80}, {"qr", 10}, {"phone", 10}}
)

// kindChannels are the channels whose forms carry the kind the citizen chose.
// Items from the other channels arrive without a kind, so the "kind" head
// predicts it.
var kindChannels = map[string]bool{"qr": true, "12345": true}

// Items returns n generated submissions received in [from, to), sorted by
// time, with ExternalID "demo-1" to "demo-<n>" in that order. Times follow a
// bureau's rhythm in the profile's zone: most in the daytime, few at night,
// fewer on weekends and holidays. Each item has a name from FakeName, a phone
// from FakePhone and no ID number. About 2 % are emergencies, and up to 3 %
// repeat an earlier citizen and place. Conduct
// complaints and praise mostly name an officer of p; items that came through
// a code mostly carry the code's unit. The same p, n, seed, from and to give
// the same items. Items returns nil when n is below 1, when to is not after
// from, or when p has no tag with templates.
func Items(p *profile.Profile, n int, seed int64, from, to time.Time) []Item {
	ts := coveredTopics(p)
	if n < 1 || !to.After(from) || len(ts) == 0 {
		return nil
	}
	rng := newRand(seed)
	times := spreadTimes(p, rng, n, from, to)
	g := &generator{p: p, rng: rng, city: newCity(p), topics: ts}
	out := make([]Item, n)
	for i := range n {
		var it Item
		var prev *Item
		if i > 0 && chance(rng, repeatShare) {
			prev = &out[rng.IntN(i)]
		}
		switch {
		case prev != nil && !prev.Urgent && prev.Kind != "表扬":
			it = g.repeat(*prev)
		case chance(rng, urgentShare) && g.urgentTopic() != nil:
			it = g.urgent()
		default:
			it = g.regular()
		}
		it.Submission.ExternalID = fmt.Sprintf("demo-%d", i+1)
		it.Submission.ReceivedAt = times[i]
		if kindChannels[it.Submission.Channel] {
			it.Submission.Kind = it.Kind
		}
		if chance(rng, phoneInBody) && it.Submission.Phone != "" {
			it.Submission.Body += "联系电话" + it.Submission.Phone + "。"
		}
		out[i] = it
	}
	return out
}

// Submissions returns the submissions of Items(p, n, seed, from, to).
func Submissions(p *profile.Profile, n int, seed int64, from, to time.Time) []workflow.Submission {
	items := Items(p, n, seed, from, to)
	out := make([]workflow.Submission, len(items))
	for i, it := range items {
		out[i] = it.Submission
	}
	return out
}

// generator holds what Items draws from while it builds one item after another.
type generator struct {
	p      *profile.Profile
	rng    *rand.Rand
	city   *city
	topics []*topic
}

// regular returns an ordinary item about a topic chosen by its weight.
func (g *generator) regular() Item {
	weights := make([]float64, len(g.topics))
	for i, t := range g.topics {
		weights[i] = t.weight
	}
	t := g.topics[weighted(g.rng, weights)]
	kinds, core := splitBody(pick(g.rng, t.bodies))
	kind := g.kind(t, kinds)
	s := g.city.scene(g.rng, t.places)
	channel := g.channel(t)
	it := Item{Tag: t.tag, Kind: kind}
	it.Submission = workflow.Submission{
		Channel: channel,
		Title:   s.fill(pick(g.rng, t.titles)),
		Body:    g.frame(kind, s.fill(core)),
		Name:    FakeName(g.rng),
		Phone:   FakePhone(g.rng),
	}
	if s.place != s.unit.Name {
		it.Submission.Place = s.place // a road or an estate, not a unit's name
	}
	if s.officer != nil && chance(g.rng, 0.7) {
		it.Submission.OfficerID = s.officer.ID
	}
	if channel == "qr" && s.unit.ID != "" && chance(g.rng, 0.75) {
		it.Submission.CodeUnit = s.unit.ID
	}
	return it
}

// frame puts the kind's opener before a body and its closer after it.
func (g *generator) frame(kind, body string) string {
	f := framingFor(kind)
	if f == nil {
		return body
	}
	return pick(g.rng, f.openers) + body + pick(g.rng, f.closers)
}

// splitBody splits a body template into the kinds it is limited to, nil for
// any, and its text.
func splitBody(tmpl string) (kinds []string, text string) {
	head, rest, ok := strings.Cut(tmpl, "|")
	if !ok {
		return nil, tmpl
	}
	return strings.Split(head, ","), rest
}

// kind returns a kind for t by its shares, limited to allowed unless it is
// nil, and to the profile's kinds when it lists any. When the limits leave no
// kind, it returns the first allowed one.
func (g *generator) kind(t *topic, allowed []string) string {
	weights := make([]float64, len(t.kinds))
	for i, k := range t.kinds {
		if (allowed == nil || slices.Contains(allowed, k.kind)) &&
			(len(g.p.Kinds) == 0 || slices.Contains(g.p.Kinds, k.kind)) {
			weights[i] = k.share
		}
	}
	if i := weighted(g.rng, weights); i >= 0 {
		return t.kinds[i].kind
	}
	if len(allowed) > 0 {
		return allowed[0]
	}
	return ""
}

// channel returns a channel for an item about t.
func (g *generator) channel(t *topic) string {
	mix := channelsDefault
	switch tag, _ := g.p.Tag(t.tag); {
	case tag.Conduct:
		mix = channelsConduct
	case tag.TransferTo != "":
		mix = channelsTransfer
	case t.places == placeOfficer:
		mix = channelsPraise
	}
	return g.pickChannel(mix)
}

func (g *generator) pickChannel(mix []channelShare) string {
	weights := make([]float64, len(mix))
	for i, c := range mix {
		weights[i] = c.share
	}
	return mix[weighted(g.rng, weights)].channel
}

// repeat returns a new item from the citizen of prev about the same place and
// tag, as when a problem was not solved the first time.
func (g *generator) repeat(prev Item) Item {
	t := topicFor(prev.Tag)
	s := &scene{rng: g.rng, place: prev.Submission.Place}
	if s.place == "" {
		s = g.city.scene(g.rng, t.places)
	}
	if u, ok := g.city.units[prev.Submission.CodeUnit]; ok {
		s.unit = u
	}
	it := prev
	it.Urgent = false
	it.Submission.Channel = g.channel(t)
	it.Submission.Title = pick(g.rng, []string{"再次反映：", "又来了：", "重复反映："}) + s.fill(pick(g.rng, t.titles))
	_, core := splitBody(pick(g.rng, t.bodies))
	it.Submission.Body = pick(g.rng, []string{"之前反映过的问题还没有解决。", "这是我第二次反映了。", "上次说会处理，到现在还是老样子。"}) +
		s.fill(core)
	// A citizen who writes again was not satisfied the first time, so the
	// repeat is a complaint when the topic has complaints.
	if slices.ContainsFunc(t.kinds, func(k kindShare) bool { return k.kind == "投诉" }) {
		it.Kind = "投诉"
	}
	it.Submission.Kind = ""
	if it.Submission.Channel != "qr" {
		it.Submission.CodeUnit = ""
	}
	return it
}

// urgentTopic returns the topic emergencies are tagged with, or nil when the
// profile does not cover it.
func (g *generator) urgentTopic() *topic {
	for _, t := range g.topics {
		if t.tag == "治安秩序" {
			return t
		}
	}
	return nil
}

// urgentTexts are emergencies in progress, as they reach a bureau through a
// transfer or a code rather than a 110 call.
var urgentTexts = []struct{ title, body string }{
	{"有人持刀", "{place}现在有人持刀追着人跑，已经有人受伤了，请马上派人过来！"},
	{"正在打架", "{place}有一群人正在打架，有人拿着酒瓶，场面很乱，快来人！"},
	{"有人砸车", "{place}有人正在砸路边停的车，还在骂人，我们不敢靠近。"},
	{"紧急求助", "{place}有个男的喝醉了拿着刀在楼道里乱砍门，我们被堵在家里出不去。"},
	{"有人打人", "{place}刚刚有人当街殴打一名女子，人已经倒在地上，请立即出警！"},
}

// urgent returns an emergency in progress.
func (g *generator) urgent() Item {
	t := g.urgentTopic()
	s := g.city.scene(g.rng, t.places)
	u := pick(g.rng, urgentTexts)
	channel := g.pickChannel(channelsUrgent)
	it := Item{Tag: t.tag, Kind: "求助", Urgent: true}
	it.Submission = workflow.Submission{
		Channel: channel,
		Title:   u.title,
		Body:    s.fill(u.body),
		Place:   s.place,
		Name:    FakeName(g.rng),
		Phone:   FakePhone(g.rng),
	}
	if channel == "qr" && s.unit.ID != "" {
		it.Submission.CodeUnit = s.unit.ID
	}
	return it
}
