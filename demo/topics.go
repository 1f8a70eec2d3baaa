package demo

// placeSource names the units whose places or names fill a topic's {place}.
type placeSource int

const (
	placeStation   placeSource = iota // a police station's places
	placeTraffic                      // a traffic brigade's roads
	placeHuzheng                      // a household-registration window
	placeChurujing                    // an exit-entry window
	placeOfficer                      // the unit of the officer the text names
)

// kindShare is one kind of message and its share of a topic's submissions.
type kindShare struct {
	kind  string
	share float64
}

// topic is everything the generators know about one tag. train holds the
// training templates; titles and bodies the submission templates, which are
// written separately so that a submission is not a training text.
type topic struct {
	tag    string
	places placeSource
	weight float64 // relative share of submissions
	kinds  []kindShare
	train  []string
	titles []string
	// bodies are submission body templates. A body that reads right only as
	// some kinds starts with them, comma-separated, and a bar: "咨询,求助|…".
	bodies   []string
	subjects []string // short phrases that read right after any kind's framing
}

// topics covers the tags of the built-in police profile.
var topics = []topic{
	{
		tag: "交通拥堵", places: placeTraffic, weight: 8,
		kinds: []kindShare{{"投诉", 0.4}, {"建议", 0.35}, {"求助", 0.1}, {"咨询", 0.15}},
		train: []string{
			"{place}{peak}堵得走不动，一公里开了{wait}",
			"{place}路口天天堵车，能不能派交警疏导一下",
			"{peak}{place}车排成长龙，{feeling}",
			"{place}一到{peak}就拥堵，上班天天迟到",
			"{place}附近施工占道，车流挤成一团",
			"{place}匝道口车辆加塞严重，整条路都堵死了",
			"学校放学时{place}家长车辆堵塞交通",
			"{place}这段路通行太慢，建议优化车道",
		},
		titles: []string{"{place}拥堵严重", "{place}堵车问题", "反映{place}交通拥堵", "{place}通行缓慢"},
		bodies: []string{
			"{place}最近{duration}每到{peak}都堵得厉害，{vehicle}和行人混在一起，走一段路要{wait}。",
			"我每天经过{place}，{peak}车辆排队能排到两三个路口外，现场也没有交警指挥。",
			"{place}那边有几条车道被围挡占了，车流都挤到一条道上，堵车越来越严重。",
			"{place}周边学校和商场集中，{peak}车辆进出非常拥挤，大家都{feeling}。",
			"{place}掉头口设置不合理，{vehicle}排队掉头把直行车道也堵住了。",
		},
		subjects: []string{"{place}的堵车问题", "{place}{peak}的交通拥堵", "{place}车流疏导"},
	},
	{
		tag: "信号灯配时", places: placeTraffic, weight: 5,
		kinds: []kindShare{{"建议", 0.6}, {"投诉", 0.3}, {"咨询", 0.1}},
		train: []string{
			"{place}路口绿灯太短，行人根本走不过去",
			"{place}红绿灯时间不合理，直行绿灯才十几秒",
			"{place}的信号灯坏了，一直闪黄灯",
			"建议{place}路口增加左转信号灯",
			"{place}红灯等待时间太长，{peak}车辆排很远",
			"{place}信号灯配时没有按车流调整，{feeling}",
			"{place}人行横道的红绿灯倒计时不准",
			"{place}路口信号灯晚上不亮，很危险",
		},
		titles: []string{"{place}信号灯配时", "{place}红绿灯问题", "关于{place}红绿灯的建议", "{place}信号灯设置"},
		bodies: []string{
			"{place}路口东西向的绿灯只有十几秒，{peak}一次只能过几辆车，老人过马路也来不及。",
			"{place}的信号灯{duration}前就开始只闪黄灯，路口车辆互不相让，差点撞上。",
			"{place}左转车很多，但是没有单独的左转相位，左转车和直行车经常抢道。",
			"{place}红灯要等两分多钟，路上明明没什么车，希望能按车流量调一调信号灯时间。",
			"{place}行人过街的信号灯和机动车的绿灯同时亮，右转车辆和行人抢行很危险。",
		},
		subjects: []string{"{place}的红绿灯时间", "{place}信号灯配时", "{place}路口信号灯"},
	},
	{
		tag: "违章停车", places: placeTraffic, weight: 9,
		kinds: []kindShare{{"投诉", 0.7}, {"建议", 0.2}, {"求助", 0.1}},
		train: []string{
			"{place}人行道上停满了{vehicle}，行人只能走机动车道",
			"{place}有{vehicle}长期占用消防通道",
			"{place}路边乱停车，没人贴罚单",
			"有辆{vehicle}堵在我家车库门口，车开不出去",
			"{place}公交站台前总有{vehicle}违停",
			"{place}盲道被{vehicle}占了",
			"{place}{peak}双排停车，车道被占一半",
			"{place}小区门口{vehicle}乱停乱放，{feeling}",
		},
		titles: []string{"{place}违停", "{place}乱停车", "{vehicle}乱停", "{place}占道停车"},
		bodies: []string{
			"{place}的非机动车道上{peak}停满了{vehicle}，骑车的人只能绕到机动车道上，很危险。",
			"一辆{vehicle}在{place}停了{duration}，正好堵在消防通道上，打车上留的电话也没人接。",
			"{place}路口转角处经常有{vehicle}停着，挡住视线，已经发生过好几次剐蹭。",
			"我的车被一辆{vehicle}堵在{place}停车场出口，等了{wait}车主都没出现。",
			"{place}学校门口接送孩子的{vehicle}随意停放，把整条路都占了。",
		},
		subjects: []string{"{place}的乱停车", "{place}{vehicle}违停", "{place}占道停车"},
	},
	{
		tag: "交通事故处理", places: placeTraffic, weight: 5,
		kinds: []kindShare{{"求助", 0.4}, {"咨询", 0.4}, {"投诉", 0.2}},
		train: []string{
			"在{place}被{vehicle}追尾了，对方不肯赔偿",
			"{place}发生剐蹭，事故责任认定书什么时候能出",
			"我在{place}被{vehicle}撞了，对方逃逸了",
			"交通事故快速处理要去哪个大队",
			"事故过去{duration}了，责任认定还没有结果",
			"{place}出了车祸，保险理赔需要交警出证明",
			"骑电动车在{place}被撞伤，想查路口监控",
			"事故车辆被拖走了，请问去哪里取车",
		},
		titles: []string{"{place}交通事故", "事故处理", "交通事故的事", "{place}事故处理"},
		bodies: []string{
			"{time}我在{place}等红灯时被后面的{vehicle}追尾，对方当时承认全责，现在却不接电话了。",
			"上个月在{place}发生的交通事故，到现在{duration}了还没拿到责任认定书，保险公司一直在催。",
			"求助|我家老人骑车在{place}被一辆{vehicle}撞倒，司机开车跑了，想请交警调取监控找到肇事车。",
			"咨询|在{place}发生了轻微剐蹭，双方对责任有争议，不知道应该走快处快赔还是等交警出警。",
			"咨询|车在{place}出事故后被拖到停车场，已经{duration}了，不清楚取车要带哪些手续。",
		},
		subjects: []string{"{place}交通事故的处理", "事故责任认定", "事故车辆取车"},
	},
	{
		tag: "噪声扰民", places: placeStation, weight: 9,
		kinds: []kindShare{{"投诉", 0.8}, {"求助", 0.2}},
		train: []string{
			"{place}{night}还有人放音乐，吵得睡不着",
			"{place}的广场舞音响开得太大声",
			"楼上邻居{night}蹦迪，噪音太大",
			"{place}的烧烤店{night}还在喧哗",
			"{place}工地夜间施工，{night}还在打桩",
			"{place}有人改装车炸街，轰鸣声太吵",
			"{place}酒吧音响震得窗户都响",
			"楼下店铺喇叭整天循环播放，{feeling}",
		},
		titles: []string{"{place}噪音扰民", "夜间噪声", "{place}太吵了", "{place}噪声太大"},
		bodies: []string{
			"{place}的一家KTV每天开到{night}，低音震得整栋楼都能听到，家里老人孩子都休息不好。",
			"{place}旁边的工地连续{duration}夜间施工，{night}还有机器轰鸣，打电话给工地也没人理。",
			"{place}广场每天晚上七点到九点有人跳舞，音响声音特别大，在家关着窗都能听见。",
			"我住在{place}，楼上住户{night}经常拖动家具、大声唱歌，沟通过几次都没有用，{feeling}。",
			"{place}经常有改装过的{vehicle}深夜飙车，排气声像放炮一样，整条街都被吵醒。",
		},
		subjects: []string{"{place}的噪声", "{place}{night}的噪音", "{place}音响扰民"},
	},
	{
		tag: "治安秩序", places: placeStation, weight: 7,
		kinds: []kindShare{{"投诉", 0.5}, {"求助", 0.3}, {"建议", 0.2}},
		train: []string{
			"{place}有人聚众赌博，{night}进进出出",
			"{place}经常有人醉酒闹事",
			"{place}附近有人打架斗殴",
			"{place}有人强行拉客，不买就骂人",
			"{place}晚上有一群青年游荡，{feeling}",
			"{place}有人散发小广告，还骚扰路人",
			"建议{place}晚上加强巡逻",
			"{place}有人寻衅滋事，吓到了孩子",
		},
		titles: []string{"{place}治安问题", "{place}治安隐患", "{place}治安状况差", "{place}不安全"},
		bodies: []string{
			"{place}一楼的一间门面{night}人来人往，里面好像在打牌赌钱，经常有人吵架。",
			"{place}最近{duration}常有几个人喝醉后在路边大声叫骂，还踢路边的{vehicle}，居民都不敢出门。",
			"{place}有人专门拦住路人推销，不理他们就跟着走，还出言威胁。",
			"{time}{place}附近有几个人拿着棍子在街上转悠，看着不像好人，{feeling}。",
			"{place}一带路灯少，{night}经常有陌生人游荡，希望派出所多安排巡逻。",
		},
		subjects: []string{"{place}的治安", "{place}夜间巡逻", "{place}聚众赌博"},
	},
	{
		tag: "电信诈骗", places: placeStation, weight: 6,
		kinds: []kindShare{{"求助", 0.7}, {"咨询", 0.3}},
		train: []string{
			"我被{scam}骗了{amount}，该怎么办",
			"接到自称客服的电话，让我转账到安全账户",
			"网上认识的人让我投资，已经转了{amount}",
			"有人冒充我领导加微信，让我转账{amount}",
			"做{scam}被骗，对方已经把我拉黑了",
			"收到短信说我医保卡异常，让点链接",
			"我妈被人拉进群做{scam}，投了{amount}",
			"对方说我涉嫌洗钱，要我把钱转到指定账户",
		},
		titles: []string{"疑似诈骗", "网络诈骗", "遭遇电信诈骗", "诈骗问题"},
		bodies: []string{
			"{time}有人打电话说是某购物平台的客服，说我的订单出了问题要退款，按他说的操作后卡里少了{amount}。",
			"我在网上看到{scam}的广告，对方先返了一点钱，后来让我加大投入，一共转了{amount}，现在联系不上了。",
			"咨询,求助|家里老人接到一个自称公安局的电话，说他的银行卡涉案，要把存款转到安全账户，我们及时拦下了，想问怎么举报这个号码。",
			"我在社交软件上认识一个人，聊了{duration}后带我在一个网站上投资，现在网站提现不了，损失{amount}。",
			"有人用我朋友的头像加我，说急用钱，我转了{amount}后才发现是骗子，{feeling}。",
		},
		subjects: []string{"{scam}被骗的事", "一起{scam}诈骗", "被骗的{amount}"},
	},
	{
		tag: "盗窃案件", places: placeStation, weight: 5,
		kinds: []kindShare{{"求助", 0.7}, {"咨询", 0.2}, {"投诉", 0.1}},
		train: []string{
			"我的{item}在{place}被偷了",
			"{place}停的{item}{time}被人偷走",
			"家里被盗，丢了现金和首饰",
			"{place}小区连续发生入室盗窃",
			"在{place}坐公交时手机被扒窃",
			"{place}车窗被砸，车里的包被偷",
			"报案{duration}了，被偷的{item}有进展吗",
			"{place}的电动车电瓶经常被偷",
		},
		titles: []string{"{place}失窃", "盗窃案", "{place}被盗", "失窃的事"},
		bodies: []string{
			"{time}我把{item}停在{place}楼下，出门时发现已经不见了，锁也被剪断在地上。",
			"{place}我家{time}被人撬门进屋，柜子被翻乱，丢了一些现金，请派出所尽快来看看。",
			"在{place}买东西时背包被人划开，里面的{item}和证件都没了，{feeling}。",
			"{duration}前报过案，丢失的{item}到现在没有消息，想问一下案子查得怎么样了。",
			"投诉,求助|{place}最近{duration}好几户人家的{item}被偷，希望加装监控，加强巡查。",
		},
		subjects: []string{"{item}被偷的事", "{place}的盗窃案", "被盗的{item}"},
	},
	{
		tag: "寻人求助", places: placeStation, weight: 2,
		kinds: []kindShare{{"求助", 1}},
		train: []string{
			"我{person}走失了，{clothes}，请帮忙寻找",
			"家里{person}{time}出门后一直没回来",
			"{person}在{place}附近走丢了，{feeling}",
			"联系不上{person}已经{duration}了，电话关机",
			"孩子放学没回家，同学说在{place}见过",
			"{person}不认识路，在{place}走失",
			"帮忙查一下{person}的下落，{clothes}",
			"{person}离家出走，留了纸条",
		},
		titles: []string{"寻找走失的{person}", "{person}走失", "紧急寻人", "求助寻找家人"},
		bodies: []string{
			"我{person}{time}从{place}出门散步，到现在还没回来，走的时候{clothes}，手机也没带。",
			"{person}记性不好，在{place}附近和家人走散了，我们找了{wait}都没找到，请民警帮忙看看监控。",
			"{person}和家里吵架后离开，说要去{place}，现在电话关机，家里人都{feeling}。",
			"{person}在外地打工，{duration}联系不上了，最后一次通话说在{place}，请帮我们查一查。",
		},
		subjects: []string{"寻找我{person}", "走失的{person}", "家人失联的事"},
	},
	{
		tag: "户籍办理", places: placeHuzheng, weight: 6,
		kinds: []kindShare{{"咨询", 0.6}, {"投诉", 0.2}, {"建议", 0.2}},
		train: []string{
			"办理{doc}需要带什么材料",
			"{doc}在{place}能办吗",
			"孩子出生{duration}了，怎么上户口",
			"户口从外地迁过来要几天",
			"{doc}材料交了{duration}还没办好",
			"结婚后户口能不能迁到对方家",
			"户口本丢了，{doc}怎么补",
			"大学毕业落户需要什么手续",
		},
		titles: []string{"户口办理", "户籍业务", "户口的事", "户籍办理问题"},
		bodies: []string{
			"我想办{doc}，{place}说还要补一个证明，来回跑了好几趟，能不能一次性告诉要哪些材料。",
			"咨询|孩子刚出生，想给孩子落户，父母户口不在一个地方，应该在哪边办理？",
			"{duration}前在{place}提交了{doc}的申请，一直没收到通知，打电话也打不通。",
			"咨询,建议|我在外地工作，想把户口迁回老家，能不能网上办理，不用本人跑回来？",
			"咨询|单位集体户口要清理，我需要把户口迁出，不知道要先去哪里开证明。",
		},
		subjects: []string{"{doc}的办理", "{doc}手续", "落户手续"},
	},
	{
		tag: "身份证办理", places: placeHuzheng, weight: 5,
		kinds: []kindShare{{"咨询", 0.6}, {"求助", 0.2}, {"投诉", 0.2}},
		train: []string{
			"身份证丢了怎么补办",
			"身份证到期了，在{place}能换领吗",
			"办身份证要多久能拿到",
			"异地可以办理身份证吗",
			"身份证办好{duration}了还没寄到",
			"孩子第一次办身份证要带户口本吗",
			"临时身份证怎么申请",
			"身份证照片不满意能重新拍吗",
		},
		titles: []string{"身份证办理", "身份证问题", "身份证业务", "办身份证"},
		bodies: []string{
			"咨询,求助|我的身份证在外地丢了，人现在在本市，马上要坐高铁，请问能不能办临时身份证？",
			"{duration}前在{place}换领了身份证，选的邮寄，现在还没收到，查不到物流信息。",
			"咨询|身份证下个月到期，工作日上班走不开，{place}周末能不能办理？",
			"咨询|给孩子办第一代身份证，需要父母都到场吗，要不要提前预约？",
			"咨询,求助|老人行动不便，身份证过期了，能不能上门拍照办理？",
		},
		subjects: []string{"身份证补办", "身份证换领", "身份证的办理进度"},
	},
	{
		tag: "出入境办理", places: placeChurujing, weight: 4,
		kinds: []kindShare{{"咨询", 0.7}, {"建议", 0.1}, {"投诉", 0.2}},
		train: []string{
			"办{travel}需要预约吗",
			"{travel}多久能办下来",
			"护照过期了怎么换发",
			"{place}能办{travel}吗",
			"港澳通行证续签在哪里办",
			"出国留学急需护照，能加急吗",
			"{travel}申请{duration}了还没审批",
			"外地户口能在本市办护照吗",
		},
		titles: []string{"出入境证件办理", "出入境业务", "出入境证件", "办理出入境证件"},
		bodies: []string{
			"咨询|我下个月要出国参加会议，护照还没办，{place}能不能加急，大概要几个工作日？",
			"在{place}申请{travel}已经{duration}了，状态一直是审批中，很担心耽误行程。",
			"咨询|孩子要去香港读书，想问学生签注怎么办理，需要提供哪些学校证明？",
			"咨询|我是外地户口，在本市工作交社保，能不能直接在{place}办理{travel}？",
			"投诉,建议|{place}的自助签注机经常坏，排队要{wait}，希望多放几台。",
		},
		subjects: []string{"{travel}的办理", "出入境证件办理", "{travel}审批进度"},
	},
	{
		tag: "民警执法态度", places: placeOfficer, weight: 4,
		kinds: []kindShare{{"投诉", 1}},
		train: []string{
			"{officer}态度恶劣，对群众大吼大叫",
			"出警的民警不作为，{duration}都没处理",
			"民警处理纠纷时偏袒对方",
			"{officer}执法粗暴，推搡老人",
			"报警后民警说这事不归他们管",
			"民警出警时玩手机，敷衍了事",
			"{officer}说话难听，还威胁我",
			"派出所民警推诿，让我去别处报案",
		},
		titles: []string{"投诉民警态度", "民警不作为", "执法不规范", "投诉{officer}"},
		bodies: []string{
			"{time}我报警后来了{officer}，没听我说完就不耐烦地打断，还说这种小事别打扰他们。",
			"我在{unit}报案时，{officer}一直低头看手机，材料让我自己写，问什么都说不知道。",
			"{officer}处理我家和邻居的纠纷时明显偏向对方，我说的证据他们根本不看，{feeling}。",
			"{officer}查车时语气很冲，我只是问了一句为什么罚款，就被他大声呵斥。",
			"报案{duration}了，去{unit}问了三次，{officer}每次都说在查，也不告诉我任何进展。",
		},
		subjects: []string{"{officer}的态度", "民警的工作作风", "出警民警的表现"},
	},
	{
		tag: "窗口服务", places: placeHuzheng, weight: 4,
		kinds: []kindShare{{"投诉", 0.6}, {"建议", 0.4}},
		train: []string{
			"{place}排队太久，等了{wait}",
			"{place}只开了一个窗口，其他窗口空着",
			"{place}工作人员中午提前下班",
			"{place}取号机坏了没人管",
			"建议{place}周末也开放",
			"{place}办事要跑好几次，材料清单不清楚",
			"{place}工作人员聊天不理人",
			"{place}网上预约总是约不上",
		},
		titles: []string{"{place}服务问题", "{place}办事难", "窗口办事体验", "窗口服务"},
		bodies: []string{
			"今天上午去{place}办事，大厅里几十个人排队，却只有一个窗口在办，等了{wait}才轮到我。",
			"{place}的工作人员下午三点多就开始收拾东西，我四点多到的就被告知今天不办了。",
			"{place}的线上预约系统每天早上一放号就没了，老人根本约不上，建议保留一部分现场号。",
			"{place}的办事指南和窗口说法不一样，我按指南准备的材料被说不全，白跑了一趟。",
			"{place}的叫号屏坏了{duration}，大家只能挤在窗口前听喊号，秩序很乱。",
		},
		subjects: []string{"{place}的排队", "{place}的服务", "{place}的预约"},
	},
	{
		tag: "表扬", places: placeOfficer, weight: 8,
		kinds: []kindShare{{"表扬", 1}},
		train: []string{
			"感谢{officer}，帮我找回了丢失的{item}",
			"{officer}耐心细致，给他点赞",
			"{unit}的民警热心帮助老人，值得表扬",
			"谢谢{officer}深夜出警，送我{person}回家",
			"{officer}服务态度好，办事效率高",
			"给{unit}送锦旗，感谢民警帮忙",
			"{officer}冒雨疏导交通，辛苦了",
			"特别感谢{officer}，帮我追回了被骗的钱",
		},
		titles: []string{"表扬{officer}", "感谢民警", "为{unit}点赞", "致谢"},
		bodies: []string{
			"{time}我在路上{item}丢了，{officer}陪我调了{wait}的监控，终于帮我找了回来。",
			"我{person}迷路了，是{officer}把老人安全送回家，还陪着等到我们下班回来。",
			"在{unit}办事时{officer}一遍遍地解释，帮我把材料整理清楚，当天就办好了。",
			"{officer}接到电话后很快赶到，帮我们处理了纠纷，说话有理有据，大家都很服气。",
			"上次被骗的{amount}，{officer}跑了好多地方，最后追回了一部分，真的非常感谢。",
		},
		subjects: []string{"{officer}", "{unit}的民警", "帮过我的{officer}"},
	},
	{
		tag: "市政设施", places: placeStation, weight: 3,
		kinds: []kindShare{{"投诉", 0.5}, {"建议", 0.5}},
		train: []string{
			"{place}的{facility}坏了{duration}没人修",
			"{place}{facility}缺失，晚上很危险",
			"{place}路面坑洼，{vehicle}经常颠倒",
			"{place}下水道堵了，污水漫到路上",
			"{place}的路灯{night}不亮",
			"{place}人行道砖松动，老人容易绊倒",
			"建议{place}修一座过街天桥",
			"{place}{facility}被撞坏了没人管",
		},
		titles: []string{"{place}设施损坏", "{place}道路设施", "市政设施维修", "{place}设施问题"},
		bodies: []string{
			"{place}那一段的{facility}坏了{duration}，晚上骑车经过好几次差点摔倒，也不知道该找谁修。",
			"{place}的井盖松动，{vehicle}压过去哐哐响，担心哪天会掉下去。",
			"{place}每次下雨都积水，下水道排不出去，行人只能踩水走。",
			"{place}路边的{facility}被车撞歪了，一直没有人来处理。",
		},
		subjects: []string{"{place}的{facility}", "{place}{facility}的维修", "{place}的道路"},
	},
	{
		tag: "物业纠纷", places: placeStation, weight: 3,
		kinds: []kindShare{{"投诉", 0.8}, {"求助", 0.2}},
		train: []string{
			"{place}物业乱收停车费",
			"{place}物业不作为，电梯坏了{duration}",
			"物业停水停电逼业主交物业费",
			"{place}业委会选举物业阻挠",
			"物业把小区绿地改成停车位收费",
			"{place}物业公司撤走了，垃圾没人清",
			"物业拒绝退还装修押金",
			"{place}物业保安态度差，不让快递进",
		},
		titles: []string{"{place}物业问题", "物业纠纷", "物业的事", "小区物业"},
		bodies: []string{
			"{place}的物业公司今年突然把停车费涨了一倍，没有开业主大会，问他们也不给说法。",
			"我们楼的电梯坏了{duration}，物业一直说在等配件，楼上住的老人下不了楼。",
			"因为对服务不满意没交物业费，{place}的物业就给我家停了门禁卡，{feeling}。",
			"{place}物业合同到期后不肯撤场，新物业进不来，小区现在乱成一团。",
		},
		subjects: []string{"{place}的物业", "{place}物业收费", "小区物业服务"},
	},
	{
		tag: "劳动争议", places: placeStation, weight: 2,
		kinds: []kindShare{{"求助", 0.6}, {"投诉", 0.4}},
		train: []string{
			"{company}拖欠工资{duration}不发",
			"老板跑路了，我们的工资找谁要",
			"公司不签劳动合同，也不交社保",
			"被公司无故辞退，没有任何补偿",
			"{company}让我们加班不给加班费",
			"工地包工头拖欠农民工工资{amount}",
			"公司扣押我的证件不让离职",
			"在{company}干活受伤，老板不管",
		},
		titles: []string{"劳动纠纷", "劳动争议", "用工纠纷", "和公司的纠纷"},
		bodies: []string{
			"我在{company}干了{duration}，老板一直拖着工资不发，一共欠了{amount}，现在人也找不到了。",
			"{company}没有和我们签劳动合同，现在说辞退就辞退，一分钱补偿都没有。",
			"我们十几个工人在{place}附近的工地干活，包工头拖欠工资{amount}，过年回不了家。",
			"在{company}上班时手被机器压伤，老板只给了一点医药费，工伤认定的事情不管。",
		},
		subjects: []string{"拖欠工资的事", "{company}的劳动纠纷", "工资被拖欠"},
	},
	{
		tag: "消费维权", places: placeStation, weight: 2,
		kinds: []kindShare{{"投诉", 0.8}, {"咨询", 0.2}},
		train: []string{
			"{shop}办了卡后跑路了",
			"买的商品有质量问题，商家不给退",
			"{shop}预付费不退，损失{amount}",
			"{place}的商店卖过期食品",
			"网上买的东西是假货，商家不承认",
			"{shop}虚假宣传，和说的不一样",
			"餐馆吃出异物，老板不赔",
			"商家收了定金{duration}不发货",
		},
		titles: []string{"消费纠纷", "消费维权", "商家侵权", "和商家的纠纷"},
		bodies: []string{
			"我在{shop}充值了{amount}，没用几次店就关门了，老板电话也打不通。",
			"在{place}一家店买的家电用了{duration}就坏了，还在保修期内，商家说人为损坏不给修。",
			"{shop}推销的时候说随时可以退，现在我要退款就说合同里不能退，{feeling}。",
			"在{place}的超市买到过期的牛奶，找店里理论，店员说是我自己放过期的。",
		},
		subjects: []string{"{shop}的退款", "一起消费纠纷", "商家不退款的事"},
	},
}

// ambiguous are training texts that fit two tags about equally well. Each
// one is labelled with a random one of its tags, as staff would disagree on
// them, so a model trained on the set cannot be perfect.
var ambiguous = []struct {
	text string
	tags []string
}{
	{"{place}每天晚上有人喝酒划拳吵到半夜", []string{"噪声扰民", "治安秩序"}},
	{"{place}路边乱停车把路都堵死了", []string{"违章停车", "交通拥堵"}},
	{"{place}红绿灯太短，路口天天堵", []string{"信号灯配时", "交通拥堵"}},
	{"户口本和身份证一起办，要跑几次", []string{"户籍办理", "身份证办理"}},
	{"{place}民警态度冷淡，爱答不理", []string{"民警执法态度", "窗口服务"}},
	{"网上买东西被骗了{amount}，商家不退", []string{"电信诈骗", "消费维权"}},
	{"{place}小区停车位被占，物业不管", []string{"违章停车", "物业纠纷"}},
	{"老板拖欠工资还威胁要打人", []string{"劳动争议", "治安秩序"}},
	{"{place}路灯坏了，晚上不安全", []string{"市政设施", "治安秩序"}},
	{"{place}停的{item}不见了，监控也坏了", []string{"盗窃案件", "市政设施"}},
	{"{person}手机关机，可能被人骗走了", []string{"寻人求助", "电信诈骗"}},
	{"办护照要户籍证明，户政说不归他们开", []string{"出入境办理", "户籍办理"}},
}

// ambiguousShare is the share of training texts drawn from ambiguous.
const ambiguousShare = 0.08
