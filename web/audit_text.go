package web

import "fmt"

// auditTexts holds the texts of the auditor pages, Simplified Chinese first
// and English second. init adds them to consoleTexts, so the console layout
// and its T method serve them.
var auditTexts = map[string][2]string{
	"nav.audit":                       {"访问日志审计", "Access log"},
	"title.audit":                     {"访问日志审计", "Access log audit"},
	"title.audit.ticket":              {"谁查看过这张工单", "Who accessed a ticket"},
	"title.audit.account":             {"账号访问记录", "What an account accessed"},
	"title.audit.exports":             {"导出与联系记录", "Exports and contacts"},
	"audit.checkpoint":                {"最新签名检查点", "Newest signed checkpoint"},
	"audit.not_configured":            {"本服务未配置签名密钥，无法显示检查点。", "No signing key is configured, so no checkpoint can be shown."},
	"audit.none_signed":               {"还没有签署过检查点。", "No checkpoint has been signed yet."},
	"audit.origin":                    {"日志名称", "Log origin"},
	"audit.signed_size":               {"签名覆盖记录数", "Records signed"},
	"audit.tree_size":                 {"当前记录总数", "Records now"},
	"audit.unsigned":                  {"尚未签名的记录", "Records not yet signed"},
	"audit.root":                      {"根哈希", "Root hash"},
	"audit.file_path":                 {"检查点文件", "Checkpoint file"},
	"audit.verifier":                  {"验证公钥", "Verifier key"},
	"audit.note":                      {"签名原文", "Signed note"},
	"audit.verify_title":              {"离线校验步骤", "How to verify offline"},
	"audit.verify_intro":              {"校验无需信任数据库或其管理员，只需要验证公钥和导出目录。", "Verification trusts neither the database nor its administrator: it needs only the verifier key and an export."},
	"audit.verify_key":                {"向运维人员索取验证公钥（在服务器上运行以下命令），并与本页显示的公钥核对；请通过本页以外的途径取得，因为本页由被审计的系统生成：", "Get the verifier key from the operator, who runs this on the server, and compare it with the key above. Obtain it by another route than this page, because the audited system renders this page:"},
	"audit.verify_export":             {"导出审计记录与检查点（可用 --from 与 --to 限定日期，格式 YYYY-MM-DD）：", "Export the records and checkpoints (--from and --to limit the days, as YYYY-MM-DD):"},
	"audit.verify_run":                {"在任何一台电脑上离线校验；命令会检查每个签名、重新计算根哈希、检查检查点之间的一致性和序号连续，失败时指出第一处问题：", "Verify on any computer, offline. The command checks every signature, recomputes the roots, checks consistency between checkpoints and that no sequence number is missing, and names the first failure:"},
	"audit.lists":                     {"查询", "Queries"},
	"audit.ticket_no":                 {"工单编号", "Ticket number"},
	"audit.account":                   {"账号", "Account"},
	"audit.choose_account":            {"请选择账号", "Choose an account"},
	"audit.from":                      {"起始日期", "From"},
	"audit.to":                        {"截止日期", "To"},
	"audit.show":                      {"查询", "Show"},
	"audit.need_ticket":               {"请输入工单编号。", "Enter a ticket number."},
	"audit.need_account":              {"请选择账号。", "Choose an account."},
	"audit.spreadsheet":               {"导出为 Excel 表格", "Download as .xlsx"},
	"audit.prev":                      {"上一页", "Previous page"},
	"audit.next":                      {"下一页", "Next page"},
	"audit.page":                      {"第 %d 页", "Page %d"},
	"audit.newest_first":              {"按时间倒序，最新的在前。查看本页本身也会记入访问日志。", "Newest first. Opening this page is itself recorded in the access log."},
	"audit.back":                      {"返回审计首页", "Back to the audit page"},
	"audit.query":                     {"查询条件", "Query"},
	"audit.exported_at":               {"导出时间", "Exported at"},
	"audit.count":                     {"条数", "Records"},
	"audit.file":                      {"访问日志", "access-log"},
	"audit.sheet":                     {"访问日志", "Access log"},
	"audit.col.seq":                   {"序号", "Seq."},
	"audit.col.time":                  {"时间", "Time"},
	"audit.col.account":               {"账号", "Account"},
	"audit.col.role":                  {"角色", "Role"},
	"audit.col.action":                {"操作", "Action"},
	"audit.col.ticket":                {"工单", "Ticket"},
	"audit.col.fields":                {"涉及字段", "Fields"},
	"audit.col.purpose":               {"事由", "Purpose"},
	"audit.col.filter":                {"筛选条件", "Filter"},
	"audit.col.count":                 {"条数", "Count"},
	"audit.col.result":                {"结果", "Result"},
	"audit.col.addr":                  {"客户端地址", "Client address"},
	"audit.col.request":               {"请求编号", "Request id"},
	"audit.col.session":               {"会话（哈希）", "Session (hash)"},
	"audit.result.ok":                 {"成功", "ok"},
	"audit.result.denied":             {"拒绝", "denied"},
	"audit.result.error":              {"出错", "error"},
	"audit.action.ticket.read":        {"查看工单", "ticket read"},
	"audit.action.ticket.list":        {"列表或搜索", "list or search"},
	"audit.action.ticket.export":      {"导出", "export"},
	"audit.action.ticket.contact":     {"联系群众", "contact"},
	"audit.action.ticket.change":      {"修改工单", "ticket change"},
	"audit.action.auth.signin":        {"登录", "sign-in"},
	"audit.action.auth.signin_failed": {"登录失败", "failed sign-in"},
	"audit.action.auth.signout":       {"退出登录", "sign-out"},
	"audit.action.request.denied":     {"请求被拒绝", "request denied"},
	"audit.action.audit.read":         {"查看访问日志", "access log read"},
	"audit.action.audit.export":       {"导出访问日志", "access log export"},
}

func init() {
	for k, v := range auditTexts {
		if _, dup := consoleTexts[k]; dup {
			panic(fmt.Sprintf("web: audit text %q is also a console text", k))
		}
		consoleTexts[k] = v
	}
}
