package hot

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// problems are generated local problems; each becomes an issue raised by
// several citizens in their own words.
var problems = []struct {
	place   string
	phrases []string
}{
	{"锦绣花园小区", []string{"门口的烧烤摊油烟很大", "烧烤摊半夜还在营业，油烟呛人", "楼下烧烤摊油烟直排，窗户都不敢开"}},
	{"滨江夜市", []string{"夜市摊贩占道经营，车开不过去", "摊贩把路占了一半，行人只能走机动车道", "占道摆摊越来越多，交通很乱"}},
	{"松林苑小区", []string{"工地夜间施工噪音扰民", "工地半夜施工噪音太大，吵得睡不着", "夜间施工噪音太大，老人孩子休息不好"}},
}

var oneOffs = []string{
	"请问办理护照需要准备哪些材料", "身份证丢了在外地能不能补办", "驾驶证到期换证要体检吗",
	"户口迁移到外省要跑几趟", "楼上漏水到我家物业不管", "公交车司机开车太猛", "建议在学校门口增设斑马线",
	"表扬派出所民警帮我找回钱包", "网购被骗了两千元怎么报案", "邻居家的狗半夜一直叫",
}

func generated(rng *rand.Rand, now time.Time) []Item {
	var items []Item
	n := 0
	for pi, p := range problems {
		count := 12 - 4*pi // 12, 8 and 4 citizens
		for range count {
			n++
			phrase := p.phrases[rng.IntN(len(p.phrases))]
			items = append(items, Item{ID: fmt.Sprint(n), Title: p.place + strings.Split(phrase, "，")[0],
				Body: "我住在" + p.place + "附近，" + phrase + "，希望有关部门尽快处理。", Citizen: fmt.Sprint("c", n),
				At: now.Add(-time.Duration(rng.IntN(20*24)) * time.Hour)})
		}
	}
	// Unrelated one-off items, and one citizen writing the same thing five times.
	for i, text := range oneOffs {
		n++
		items = append(items, Item{ID: fmt.Sprint(n), Title: text, Body: text, Citizen: fmt.Sprint("c", n),
			At: now.Add(-time.Duration(i) * time.Hour)})
	}
	for i := range 5 {
		n++
		items = append(items, Item{ID: fmt.Sprint(n), Title: "再次建议城市建设全覆盖",
			Body: "建议加快城市建设全覆盖，提升品质。", Citizen: "same", At: now.Add(-time.Duration(i) * 24 * time.Hour)})
	}
	return items
}

func TestGroupGenerated(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	issues := Group(generated(rng, now), Options{Now: now})
	if len(issues) < 3 {
		t.Fatalf("got %d issues, want at least 3: %+v", len(issues), issues)
	}
	for i, want := range []struct {
		place string
		count int
	}{{"锦绣花园", 12}, {"滨江夜市", 8}, {"松林苑", 4}} {
		t.Run(want.place, func(t *testing.T) {
			is := issues[i]
			if is.Place != want.place {
				t.Errorf("issue %d place = %q, want %q (label %q)", i+1, is.Place, want.place, is.Label)
			}
			if is.Count != want.count || is.Citizens != want.count {
				t.Errorf("issue %d count %d citizens %d, want %d", i+1, is.Count, is.Citizens, want.count)
			}
			if len(is.Titles) == 0 || !strings.Contains(is.Label, want.place) {
				t.Errorf("issue %d label %q titles %q", i+1, is.Label, is.Titles)
			}
		})
	}
	t.Run("one citizen is no hot issue", func(t *testing.T) {
		for _, is := range issues {
			if strings.Contains(is.Label, "城市建设") {
				t.Errorf("issue of one citizen listed: %+v", is)
			}
		}
	})
}

func TestGroupRanking(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	mk := func(id, place string, citizen string, age time.Duration) Item {
		return Item{ID: id, Title: place + "门口烧烤摊油烟扰民", Body: place + "门口烧烤摊每天晚上油烟很大。",
			Citizen: citizen, At: now.Add(-age)}
	}
	day := 24 * time.Hour
	items := []Item{
		// An old issue of four citizens.
		mk("1", "金沙湾小区", "a", 90*day), mk("2", "金沙湾小区", "b", 91*day), mk("3", "金沙湾小区", "c", 92*day),
		mk("4", "金沙湾小区", "d", 93*day),
		// A fresh, growing issue of four citizens.
		mk("5", "翠微苑小区", "e", 1*day), mk("6", "翠微苑小区", "f", 2*day), mk("7", "翠微苑小区", "g", 3*day),
		mk("8", "翠微苑小区", "h", 4*day),
	}
	issues := Group(items, Options{Now: now})
	if len(issues) != 2 {
		t.Fatalf("got %d issues, want 2 (one per estate): %+v", len(issues), issues)
	}
	if issues[0].Place != "翠微苑" {
		t.Errorf("first issue = %q, want the fresh 翠微苑 issue", issues[0].Place)
	}
	if issues[0].Recent != 4 || issues[0].Growth != 4 {
		t.Errorf("recent %d growth %d, want 4 and 4", issues[0].Recent, issues[0].Growth)
	}
	if issues[1].Growth != 0 || issues[1].Score >= issues[0].Score {
		t.Errorf("old issue growth %d score %.2f vs %.2f", issues[1].Growth, issues[1].Score, issues[0].Score)
	}
}

// TestTopTenRealData prints the top ten issues of the real hot-issue
// messages and checks that the three largest problems a reader finds are
// among them. It runs only when MINYI_DATA names the data directory.
func TestTopTenRealData(t *testing.T) {
	dir := os.Getenv("MINYI_DATA")
	if dir == "" {
		t.Skip("set MINYI_DATA to the real data directory")
	}
	f, err := os.Open(filepath.Join(dir, "teddy-hot-issues.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var items []Item
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	loc := time.FixedZone("CST", 8*3600)
	for sc.Scan() {
		var r struct{ ID, Title, Body, Time, User string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		at, err := time.ParseInLocation("2006-01-02 15:04:05", r.Time, loc)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, Item{ID: r.ID, Title: r.Title, Body: r.Body, Citizen: r.User, At: at})
	}
	start := time.Now()
	issues := Group(items, Options{})
	t.Logf("%d items grouped in %v", len(items), time.Since(start).Round(time.Millisecond))
	var places []string
	for i, is := range issues[:10] {
		t.Logf("%2d. %d items, %d citizens, place %q, score %.1f", i+1, is.Count, is.Citizens, is.Place, is.Score)
		places = append(places, is.Place)
	}
	for _, want := range []string{"丽发新城", "伊景园滨河苑", "魅力之城"} {
		if !slices.Contains(places[:3], want) {
			t.Errorf("top three places %q lack %q", places[:3], want)
		}
	}
	if issues[0].Count < 40 || issues[1].Count < 40 {
		t.Errorf("the two largest issues have %d and %d items, want at least 40 each", issues[0].Count, issues[1].Count)
	}
}
