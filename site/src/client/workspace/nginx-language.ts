import type { languages } from 'monaco-editor/editor/editor.api';

/**
 * Monaco has no nginx mode: this small Monarch tokenizer colours what matters when reading a
 * config: comments, block names (server, location…), the directive that starts each statement,
 * $variables, strings, numbers with units, and the braces and semicolons that end statements.
 */
export const nginxLanguage: languages.IMonarchLanguage = {
  defaultToken: '',
  ignoreCase: false,
  blocks: ['http', 'events', 'server', 'location', 'upstream', 'map', 'geo', 'if', 'types', 'stream', 'mail', 'limit_except', 'split_clients'],
  tokenizer: {
    root: [
      { include: '@whitespace' },
      [/[{}]/, '@brackets'],
      [/;/, 'delimiter'],
      [/[a-z_][\w.-]*/, { cases: { '@blocks': { token: 'type', next: '@arguments' }, '@default': { token: 'keyword', next: '@arguments' } } }],
      [/./, { token: '', next: '@arguments' }],
    ],
    arguments: [
      [/[ \t]+/, ''],
      [/#.*$/, 'comment'],
      [/;/, { token: 'delimiter', next: '@pop' }],
      [/\{/, { token: '@brackets', next: '@pop' }],
      [/\}/, { token: '@brackets', next: '@pop' }],
      [/\$\{?\w+\}?/, 'variable'],
      [/"/, { token: 'string.quote', next: '@stringDouble' }],
      [/'/, { token: 'string.quote', next: '@stringSingle' }],
      [/\b(on|off)\b/, 'keyword.constant'],
      [/\b\d+(\.\d+)?[kKmMgGsShdwy]?(ms)?\b/, 'number'],
      [/[~^*]+/, 'operator'],
      [/[^\s;{}"'$#]+/, ''],
    ],
    stringDouble: [
      [/\$\{?\w+\}?/, 'variable'],
      [/[^"\\$]+/, 'string'],
      [/\\./, 'string.escape'],
      [/\$/, 'string'],
      [/"/, { token: 'string.quote', next: '@pop' }],
    ],
    stringSingle: [
      [/[^'\\]+/, 'string'],
      [/\\./, 'string.escape'],
      [/'/, { token: 'string.quote', next: '@pop' }],
    ],
    whitespace: [
      [/[ \t\r\n]+/, ''],
      [/#.*$/, 'comment'],
    ],
  },
};

export const nginxConfiguration: languages.LanguageConfiguration = {
  comments: { lineComment: '#' },
  brackets: [['{', '}']],
  autoClosingPairs: [
    { open: '{', close: '}' },
    { open: '"', close: '"' },
    { open: "'", close: "'" },
  ],
  surroundingPairs: [
    { open: '{', close: '}' },
    { open: '"', close: '"' },
  ],
};
