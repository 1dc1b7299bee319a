import type { Messages } from '../i18n/i18n.js';

/** The shell's own words (login, header, tree, navigation); each view keeps its own next to it. */
export const shellMessages: Messages<
  | 'product'
  | 'loginTitle'
  | 'loginIntro'
  | 'tokenLabel'
  | 'tokenHelp'
  | 'login'
  | 'loggingIn'
  | 'logout'
  | 'refused'
  | 'sessionEnded'
  | 'unreachable'
  | 'language'
  | 'role'
  | 'scope'
  | 'wholeFleet'
  | 'orgTree'
  | 'views'
  | 'loading'
  | 'noOrgs'
  | 'noViews'
  | 'skipToContent'
  | 'auditor'
  | 'energy_officer'
  | 'administrator'
  | 'region'
  | 'city'
  | 'county'
  | 'institution'
> = {
  zh: {
    product: '碳核 公共机构能耗与碳排放',
    loginTitle: '登录',
    loginIntro: '粘贴您的 API 令牌（tnh_…）。令牌只保存在本浏览器标签页中，关闭即清除。',
    tokenLabel: 'API 令牌',
    tokenHelp: '首次运行 npm start 时服务会打印一个演示管理员令牌。',
    login: '登录',
    loggingIn: '正在登录…',
    logout: '退出',
    refused: '令牌无效、已过期或已吊销（{code}），请重新输入。',
    sessionEnded: '会话已失效（{code}），请重新登录。',
    unreachable: '无法连接服务：{message}',
    language: '语言',
    role: '角色',
    scope: '范围',
    wholeFleet: '全部机构',
    orgTree: '组织机构',
    views: '视图',
    loading: '正在加载…',
    noOrgs: '此令牌的范围内没有组织机构。',
    noViews: '没有可显示的视图。',
    skipToContent: '跳到主要内容',
    auditor: '审计员',
    energy_officer: '节能管理员',
    administrator: '系统管理员',
    region: '自治区',
    city: '市',
    county: '县区',
    institution: '机构',
  },
  en: {
    product: 'tanhe — energy and carbon of public institutions',
    loginTitle: 'Log in',
    loginIntro: 'Paste your API token (tnh_…). It is kept in this browser tab only and is gone when you close it.',
    tokenLabel: 'API token',
    tokenHelp: 'The first npm start prints a demo administrator token.',
    login: 'Log in',
    loggingIn: 'Logging in…',
    logout: 'Log out',
    refused: 'The token is unknown, expired or revoked ({code}); enter it again.',
    sessionEnded: 'Your session has ended ({code}); log in again.',
    unreachable: 'The service cannot be reached: {message}',
    language: 'Language',
    role: 'Role',
    scope: 'Scope',
    wholeFleet: 'whole fleet',
    orgTree: 'Organisations',
    views: 'Views',
    loading: 'Loading…',
    noOrgs: 'No organisation lies in this token’s scope.',
    noViews: 'No view to show.',
    skipToContent: 'Skip to the main content',
    auditor: 'Auditor',
    energy_officer: 'Energy officer',
    administrator: 'Administrator',
    region: 'Region',
    city: 'City',
    county: 'County',
    institution: 'Institution',
  },
};
