/**
 * The editor language of a file, from its name (and its first line for scripts without an
 * extension). Ids are Monaco's, plus 'nginx' (our own tokenizer, nginx-language.ts).
 */
export type EditorLanguage =
  | 'dockerfile'
  | 'yaml'
  | 'shell'
  | 'javascript'
  | 'typescript'
  | 'ruby'
  | 'python'
  | 'sql'
  | 'nginx'
  | 'json'
  | 'ini'
  | 'markdown'
  | 'html'
  | 'css'
  | 'xml'
  | 'plaintext';

const BY_NAME: Record<string, EditorLanguage> = {
  dockerfile: 'dockerfile',
  containerfile: 'dockerfile',
  gemfile: 'ruby',
  rakefile: 'ruby',
  'config.ru': 'ruby',
  'nginx.conf': 'nginx',
  '.bashrc': 'shell',
  '.bash_profile': 'shell',
  '.profile': 'shell',
  '.env': 'shell',
  '.dockerignore': 'shell',
  '.gitignore': 'shell',
  makefile: 'shell',
};

const BY_EXTENSION: Record<string, EditorLanguage> = {
  dockerfile: 'dockerfile',
  yml: 'yaml',
  yaml: 'yaml',
  sh: 'shell',
  bash: 'shell',
  zsh: 'shell',
  env: 'shell',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'javascript',
  ts: 'typescript',
  mts: 'typescript',
  tsx: 'typescript',
  rb: 'ruby',
  erb: 'ruby',
  gemspec: 'ruby',
  py: 'python',
  sql: 'sql',
  psql: 'sql',
  nginx: 'nginx',
  json: 'json',
  ini: 'ini',
  cfg: 'ini',
  toml: 'ini',
  properties: 'ini',
  md: 'markdown',
  markdown: 'markdown',
  html: 'html',
  htm: 'html',
  css: 'css',
  xml: 'xml',
  svg: 'xml',
};

const SHEBANG: [RegExp, EditorLanguage][] = [
  [/\b(ba|z|da|k)?sh\b/, 'shell'],
  [/\bpython[\d.]*\b/, 'python'],
  [/\bnode\b/, 'javascript'],
  [/\bruby\b/, 'ruby'],
];

export function languageForPath(path: string, firstLine = ''): EditorLanguage {
  const segments = path.split('/');
  const name = (segments.at(-1) ?? '').toLowerCase();
  const byName = BY_NAME[name];
  if (byName) return byName;
  if (name.startsWith('dockerfile.') || name.endsWith('.dockerfile')) return 'dockerfile';
  if (/^(docker-)?compose(\.[\w-]+)?\.ya?ml$/.test(name)) return 'yaml';
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot + 1) : '';
  // *.conf is nginx inside an nginx or conf.d folder, or for nginx's usual default.conf.
  if (extension === 'conf') {
    const folders = segments.slice(0, -1).map((segment) => segment.toLowerCase());
    return name === 'default.conf' || folders.some((folder) => folder.includes('nginx') || folder === 'conf.d') || name.includes('nginx')
      ? 'nginx'
      : 'ini';
  }
  const byExtension = BY_EXTENSION[extension];
  if (byExtension) return byExtension;
  if (firstLine.startsWith('#!')) {
    for (const [pattern, language] of SHEBANG) if (pattern.test(firstLine)) return language;
  }
  return 'plaintext';
}
