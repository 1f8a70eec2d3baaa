package demo

import (
	"slices"
	"strings"

	"minyi/classify"
	"minyi/profile"
)

// Heads of the examples this package generates.
const (
	HeadTag  = "tag"
	HeadKind = "kind"
)

// LabelTags returns the tags a classifier predicts: the profile's tags that
// have no child tags, in profile order. Parent tags only group them.
func LabelTags(p *profile.Profile) []string {
	parents := map[string]bool{}
	for _, t := range p.Tags {
		if t.Parent != "" {
			parents[t.Parent] = true
		}
	}
	var out []string
	for _, t := range p.Tags {
		if !parents[t.Name] {
			out = append(out, t.Name)
		}
	}
	return out
}

// UncoveredTags returns the label tags of p that the package has no templates
// for. TrainingExamples and Items never produce them.
func UncoveredTags(p *profile.Profile) []string {
	var out []string
	for _, tag := range LabelTags(p) {
		if topicFor(tag) == nil {
			out = append(out, tag)
		}
	}
	return out
}

// topicFor returns the topic of a tag, or nil when there is none.
func topicFor(tag string) *topic {
	for i := range topics {
		if topics[i].tag == tag {
			return &topics[i]
		}
	}
	return nil
}

// coveredTopics returns the topics of the label tags of p, in profile order.
func coveredTopics(p *profile.Profile) []*topic {
	var out []*topic
	for _, tag := range LabelTags(p) {
		if t := topicFor(tag); t != nil {
			out = append(out, t)
		}
	}
	return out
}

// TrainingExamples returns n short citizen messages labelled for the "tag"
// head with the label tags of p. The tags take turns, so each appears about
// n divided by their number times. About 8 % of the texts fit two tags equally
// well and carry either one, so a model trained on them is not perfect.
// Tags without templates (see UncoveredTags) are left out; a profile with
// none covered, or n below 1, gives nil.
func TrainingExamples(p *profile.Profile, n int, seed int64) []classify.Example {
	ts := coveredTopics(p)
	if n < 1 || len(ts) == 0 {
		return nil
	}
	covered := map[string]bool{}
	for _, t := range ts {
		covered[t.tag] = true
	}
	var amb []int
	for i, a := range ambiguous {
		if covered[a.tags[0]] && covered[a.tags[1]] {
			amb = append(amb, i)
		}
	}

	rng := newRand(seed)
	c := newCity(p)
	out := make([]classify.Example, 0, n)
	for i := range n {
		t := ts[i%len(ts)]
		if len(amb) > 0 && chance(rng, ambiguousShare) {
			a := ambiguous[pick(rng, amb)]
			label := pick(rng, a.tags)
			s := c.scene(rng, topicFor(label).places)
			out = append(out, classify.Example{Text: s.fill(a.text), Label: label})
			continue
		}

		s := c.scene(rng, t.places)
		if s.officer != nil && chance(rng, 0.3) {
			s.officer = nil
		}
		out = append(out, classify.Example{Text: s.fill(pick(rng, t.train)), Label: t.tag})
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// kindAmbiguous are kind frames that read as either of two kinds.
var kindAmbiguous = []struct {
	text  string
	kinds []string
}{
	{"{subject}问题很严重，建议尽快整改", []string{"投诉", "建议"}},
	{"请问{subject}为什么一直没人管", []string{"咨询", "投诉"}},
	{"{subject}，希望你们帮忙想想办法", []string{"求助", "建议"}},
	{"{subject}，不知道该找谁，请帮忙", []string{"求助", "咨询"}},
}

// conductShare is the share of complaint frames in KindExamples whose
// subject is an officer's conduct. Praise names officers in every example,
// so complaints must name them too, or a name alone would read as praise.
const conductShare = 0.5

// complaintKind is the kind of a complaint.
const complaintKind = "投诉"

// bareShare is the share of KindExamples that describe a problem without
// words of any kind, as many citizens write.
const bareShare = 0.3

// KindExamples returns n short messages labelled for the "kind" head with the
// kinds of p (投诉, 建议, 求助, 咨询, 表扬 when p lists none). Most frame a
// subject from one of the profile's topics in the words of its kind, and the
// kinds take turns. About 8 % of those read as either of two kinds and carry
// one of them. Kinds without templates are left out.
//
// The other 30 % (bareShare) are a topic's plain descriptions, labelled with
// the kind most of that topic's messages have: a stolen bicycle is a request
// for help, rudeness at a window a complaint. Without them the model reads
// only the framing words, and calls a plain complaint about an officer
// praise, because praise names officers too. Half of the plain descriptions
// get the opening or closing words of a random kind and carry that kind,
// because such words decide the kind of a message that describes a problem.
func KindExamples(p *profile.Profile, n int, seed int64) []classify.Example {
	kinds := p.Kinds
	if len(kinds) == 0 {
		for _, f := range kindFramings {
			kinds = append(kinds, f.kind)
		}
	}
	var frames []*framing
	for _, k := range kinds {
		if f := framingFor(k); f != nil {
			frames = append(frames, f)
		}
	}
	if n < 1 || len(frames) == 0 {
		return nil
	}

	ts := problemTopics(p)
	conduct := conductTopics(p)
	bare := bareTopics(p, kinds)
	rng := newRand(seed)
	c := newCity(p)
	out := make([]classify.Example, 0, n)
	for i := range n {
		if len(bare) > 0 && chance(rng, bareShare) {
			t := pick(rng, bare)
			text, label := pick(rng, t.train), t.mainKind()
			if f := pick(rng, frames); chance(rng, 0.5) {
				if opener, closer := pick(rng, f.openers), pick(rng, f.closers); opener+closer != "" {
					text, label = opener+text+"。"+closer, f.kind
				}
			}
			out = append(out, classify.Example{Text: c.scene(rng, t.places).fill(text), Label: label})
			continue
		}
		f := frames[i%len(frames)]
		t := pick(rng, ts)
		s := c.scene(rng, t.places)
		subject := pick(rng, t.subjects)
		text, label := pick(rng, f.train), f.kind
		if chance(rng, ambiguousShare) {
			a := pick(rng, kindAmbiguous)
			if slices.Contains(kinds, a.kinds[0]) && slices.Contains(kinds, a.kinds[1]) {
				text, label = a.text, pick(rng, a.kinds)
			}
		}

		switch {
		case label == "表扬":
			s = c.scene(rng, placeOfficer)
			subject = strings.ReplaceAll(pick(rng, praiseSubjects), "{topic}", pick(rng, t.subjects))
		case label == complaintKind && len(conduct) > 0 && chance(rng, conductShare):
			t = pick(rng, conduct)
			s, subject = c.scene(rng, t.places), pick(rng, t.subjects)
		}
		text = strings.ReplaceAll(text, "{subject}", subject)
		out = append(out, classify.Example{Text: s.fill(text), Label: label})
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// conductTopics returns the covered topics about officers that are not
// praise: complaints about an officer's conduct.
func conductTopics(p *profile.Profile) []*topic {
	var out []*topic
	for _, t := range coveredTopics(p) {
		if t.places == placeOfficer && t.mainKind() == complaintKind {
			out = append(out, t)
		}
	}
	return out
}

// bareTopics returns the covered topics of p whose main kind is one of kinds.
func bareTopics(p *profile.Profile, kinds []string) []*topic {
	var out []*topic
	for _, t := range coveredTopics(p) {
		if slices.Contains(kinds, t.mainKind()) {
			out = append(out, t)
		}
	}
	return out
}

// mainKind returns the kind with the largest share of t's messages, the
// first one on a tie.
func (t *topic) mainKind() string {
	best := kindShare{}
	for _, k := range t.kinds {
		if k.share > best.share {
			best = k
		}
	}
	return best.kind
}

// framingFor returns the framing of a kind, or nil when there is none.
func framingFor(kind string) *framing {
	for i := range kindFramings {
		if kindFramings[i].kind == kind {
			return &kindFramings[i]
		}
	}
	return nil
}

// problemTopics returns the covered topics that describe a problem, leaving
// out praise and conduct, whose subjects are people. When p covers none, it
// returns all such topics, so that kinds can be framed for any profile.
func problemTopics(p *profile.Profile) []*topic {
	var out []*topic
	for _, t := range coveredTopics(p) {
		if t.places != placeOfficer {
			out = append(out, t)
		}
	}
	if len(out) > 0 {
		return out
	}
	for i := range topics {
		if topics[i].places != placeOfficer {
			out = append(out, &topics[i])
		}
	}
	return out
}
