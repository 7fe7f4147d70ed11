"""The files ``cunwu init`` writes, as text (Chinese for the township, comments included)."""

from __future__ import annotations

CONFIG = """\
# yaml-language-server: $schema=schemas/cunwu.schema.json
# 乡镇村务公开设置。下面每一项都要按本乡镇的实际情况修改（改完运行 cunwu validate 检查）。
# 注释（# 开头）要单独占一行，不要写在值的后面。
township:
  # 乡镇标识：用在网址里，只能用小写字母、数字和短横线；发布以后不要再改
  id: {township}
  # 乡镇名称，各村 village.yaml 里的 township 要与它一致
  name: 示例镇
  # 所属县（市、区）
  county: 示例县
# 网站发布后的网址，以 / 结尾；CI 从这里下载上次发布的 versions.json 核对历史
base_url: https://example.org/{township}/
# 举报渠道：网站本身不收举报，每页都链接到这里
complaint:
  # 官方举报受理网址（如“监督一点通”），链接会带上村和页面
  url: https://jubao.example.org/report
  phones:
    - label: 县纪委监委举报电话
      number: 0123-12388
# 乡镇的监督电话，印在每张公示上（纪委、民政办、经管站）
supervision:
  - label: 镇纪委
    number: 0123-66880001
  - label: 镇民政办（低保、救助监督）
    number: 0123-66880002
# 每期财务公开的截止日：次月几号（1-28）
due_day: 10
# 财务公开至少公示几天
finance_notice_days: 15
# 身份证号脱敏方式："6-4" 保留前 6 位和后 4 位；"3-3" 保留前 3 位和后 3 位（要加引号）
id_mask: "6-4"
print:
  # 张贴版纸张：A4 或 A3
  paper: A4
  # 构建时为最近几个月的已公开内容生成张贴版
  window_months: 3
"""

VILLAGE = """\
# yaml-language-server: $schema=../../schemas/village.schema.json
# 示例村：照这个样子为每个村建一个文件夹 villages/<村标识>/（标识用小写拼音，发布后不要改），
# 把这个示例村改成第一个村，或删掉它。
# 12 位统计用区划代码（要加引号）；990101 开头的代码是虚构的
code: "990101000001"
name: 示例村
# 与 cunwu.yaml 中的乡镇名称一致
township: 示例镇
# 财务公开周期：monthly 每月，quarterly 每季度
cadence: monthly
# 村民小组：表格模板的“组别”下拉列表只能从中选择
groups:
  - 一组
  - 二组
  - 三组
# 公开的联系人（填在这里的电话视为公开号码）
contacts:
  - role: 村党组织书记、村委会主任
    name: 张某某
    phone: 0123-66880101
  - role: 报账员
    name: 李某某
    phone: 0123-66880102
# 村务监督委员会的电话
supervision:
  - label: 示例村村务监督委员会
    number: 0123-66880103
# 每期都要公示的补贴项目，如 dibao（低保）；没有就删去这两行
recurring:
  - dibao
intro: 这是 cunwu init 生成的示例村，请改成本村的简介（一两句话）。
"""

ABOUT = """\
Title: 关于本站
Slug: about
Lang: zh-CN

本站是**示例镇村务公开网站**，与各村村务公开栏上张贴的内容相同。公开栏上的每张公示都印有二维码，用手机扫一扫就能打开对应的网页。

对公开内容有疑问的，请拨打县纪委监委举报电话 0123-12388。

（这一页在 content/about.md，请改成本乡镇的介绍。）
"""

GITIGNORE = """\
# 原始表格可能有完整的身份证号：只放在本机，绝不提交（cunwu import 会拒绝读取仓库里没被忽略的表格）
*.xlsx
*.xlsm
*.xls
*.ods
*.csv
# 身份证关联码（cunwu import 生成），只在本机
.cunwu/
# 生成的网站、张贴版、模板和导出的表格
build/
# 编辑器和系统的临时文件
*~
.DS_Store
Thumbs.db
__pycache__/
"""

README = """\
# 示例镇村务公开

本仓库保存示例镇各村的村务公开资料：财务公开、惠民资金名单、公告、小微权力清单。
每月提交新的资料后，由 CI 自动检查、生成网站并发布。

## 两条命令

装好 cunwu 以后，在本文件夹中：

```sh
cunwu validate   # 检查全部公开资料：格式、金额、个人信息，问题逐条列出（文件:行号）
cunwu build      # 生成网站和张贴版，写入 build/site/
```

`cunwu serve` 可以在本机预览网站（http://127.0.0.1:8000/）。

## 第一次使用

1. 修改 `cunwu.yaml`：乡镇名称、网址 `base_url`、举报电话、监督电话（每一项都有注释）。
2. 把 `villages/shili/` 改成第一个村（文件夹名用村名拼音），其他村照样各建一个文件夹。
3. 运行 `cunwu validate`，按提示改正，然后提交：`git add -A && git commit -m "开始村务公开"`。

## 每月怎么做

- **财务**：`cunwu template finance --village 村标识 --period 2026-11` 生成明细账模板，交给村报账员用
  Excel 或 WPS 填写；收回后 `cunwu import 文件.xlsx --village 村标识` 导入。也可以用
  `cunwu new finance --village 村标识` 从上期开始新的一期，直接编辑 YAML 文件。
- **补贴名单**：`cunwu template subsidy --program dibao --village 村标识 --period 2026-11`，填好后同样导入；
  每月人员基本不变的，用 `cunwu new subsidy --program dibao --village 村标识` 沿用上月名单再修改。
- **审核公开**：把文件中的 `status: draft` 改为 `status: approved`，填写审核公开日期 `approved_on`
  和公示期 `notice`，运行 `cunwu validate`，提交并推送。
- **交给镇里**：`cunwu export --month 2026-11` 把全乡镇本月的公开资料导出为一个 Excel 文件
  （在 build/export/ 中，身份证号已脱敏）。
- **打印张贴版**：`cunwu print --month 2026-11`，PDF 在 build/print/2026-11/。

原始表格（有完整身份证号）请放在仓库文件夹之外，例如“文档”文件夹；本仓库的 `.gitignore` 也不让表格进入仓库。
每次 `git commit` 前会自动检查有没有身份证号、银行卡号、私人手机号（提交前检查已安装；
在另一台电脑上克隆后，运行一次 `cunwu install-hook`）。

## 发布

- GitHub：`.github/workflows/cunwu.yml`。推送到 main 分支就会检查、生成并发布到 GitHub Pages。
- GitLab：`.gitlab-ci.yml`。推送到默认分支就会检查、生成并发布到 GitLab Pages。

CI 检出完整的提交历史，生成网站时用线上网站的 `versions.json` 核对已发布的版本没有被改写
（`--require-history --manifest <网址>versions.json`）。**第一次发布**时线上还没有网站：
GitHub 在 Actions 页面手动运行工作流并勾选“第一次发布”；GitLab 在 Run pipeline 时加变量
`FIRST_PUBLICATION=1`。只需要一次。

两个文件里的 `CUNWU_SPEC` 是安装 cunwu 的 pip 写法，默认是 `{spec}`；从别处安装时改成对应的写法。
"""

GITHUB = """\
# 村务公开：推送到 main 分支时检查资料、生成网站，发布到 GitHub Pages。
# 第一次发布（线上还没有网站）时：在 Actions 页面手动运行本工作流，勾选“第一次发布”，只需一次。
# （仓库设置 Settings → Pages → Source 选 GitHub Actions。）
name: 村务公开
on:
  push:
    branches: [main]
  workflow_dispatch:
    inputs:
      first_publication:
        description: 第一次发布（线上还没有网站和 versions.json 时勾选，只用一次）
        type: boolean
        default: false
permissions:
  contents: read
  pages: write
  id-token: write
concurrency:
  group: cunwu-pages
  cancel-in-progress: false
env:
  # 安装 cunwu 的 pip 写法
  CUNWU_SPEC: "{spec}"
  FIRST_PUBLICATION: ${{{{ inputs.first_publication && '1' || '' }}}}
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - name: 检出完整历史（核对已发布的版本要用）
        uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: 安装中文字体（张贴版 PDF 要用）
        run: sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends fonts-noto-cjk libharfbuzz-subset0
      - name: 安装 cunwu
        run: python -m pip install "$CUNWU_SPEC"
      - name: 校验
        run: cunwu validate --require-history
      - name: 生成网站
        run: |
          base_url=$(python -c 'import yaml; print(yaml.safe_load(open("cunwu.yaml", encoding="utf-8"))["base_url"])')
          if [ -n "$FIRST_PUBLICATION" ]; then
            # 第一次发布：线上还没有 versions.json，从这一次开始记录
            cunwu build --quiet
          else
            cunwu build --quiet --require-history --manifest "${{base_url}}versions.json"
          fi
      - uses: actions/upload-pages-artifact@v3
        with:
          path: build/site
  deploy:
    needs: build
    runs-on: ubuntu-24.04
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
"""

GITLAB = """\
# 村务公开：推送到默认分支时检查资料、生成网站，发布到 GitLab Pages。
# 第一次发布（线上还没有网站）时：CI/CD → Pipelines → Run pipeline，加变量 FIRST_PUBLICATION=1，只需一次。
variables:
  # 检出完整历史（核对已发布的版本要用）
  GIT_DEPTH: "0"
  # 安装 cunwu 的 pip 写法
  CUNWU_SPEC: "{spec}"
pages:
  image: python:3.11-bookworm
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  before_script:
    - apt-get update -qq && apt-get install -y -qq --no-install-recommends fonts-noto-cjk libharfbuzz-subset0
    - python -m pip install "$CUNWU_SPEC"
  script:
    - cunwu validate --require-history
    - base_url=$(python -c 'import yaml; print(yaml.safe_load(open("cunwu.yaml", encoding="utf-8"))["base_url"])')
    - |
      if [ -n "$FIRST_PUBLICATION" ]; then
        cunwu build --quiet
      else
        cunwu build --quiet --require-history --manifest "${{base_url}}versions.json"
      fi
    - rm -rf public && cp -r build/site public
  artifacts:
    paths:
      - public
"""


def files(township: str, spec: str) -> dict[str, str]:
    """Path -> text of every file of a new township repository."""
    return {
        "cunwu.yaml": CONFIG.format(township=township),
        "villages/shili/village.yaml": VILLAGE,
        "content/about.md": ABOUT,
        ".gitignore": GITIGNORE,
        "README.md": README.format(spec=spec),
        ".github/workflows/cunwu.yml": GITHUB.format(spec=spec),
        ".gitlab-ci.yml": GITLAB.format(spec=spec),
    }
