/**
 * Finds the external commands a shell script or a TypeScript file runs, so a
 * unit test can hold them against scripts/packages.txt (what setup installs).
 * A heuristic, not a shell parser, tuned to how this repository writes its
 * scripts: it errs towards reporting a word as a command, since a false alarm
 * costs a line in the table and a miss costs a failed test on a fresh machine.
 */

export interface CommandUse {
  readonly command: string;
  readonly line: number;
}

const KEYWORDS_BEFORE_COMMAND = new Set([
  "then",
  "do",
  "else",
  "elif",
  "if",
  "while",
  "until",
  "!",
  "time",
  "{",
]);
const KEYWORDS = new Set(["fi", "done", "esac", "}", "in", "function", "select"]);
/** Builtins and shell keywords: never a package's command. */
const BUILTINS = new Set(
  (
    ". : [ [[ ]] alias bg break builtin caller cd command compgen complete continue declare dirs disown echo " +
    "enable eval exec exit export false fc fg getopts hash help history jobs kill let local logout " +
    "mapfile popd printf pushd pwd read readarray readonly return set shift shopt source suspend test " +
    "times trap true type typeset ulimit umask unalias unset wait"
  ).split(" "),
);
/** Commands that run the command after their options: the word after them is a command too. */
const WRAPPERS = new Set(["exec", "command", "timeout", "nohup", "nice", "sudo", "env", "xargs"]);

interface Token {
  readonly text: string;
  readonly line: number;
  /** An operator (; && || | & ( ) ;; newline) rather than a word. */
  readonly op: boolean;
}

/** Splits shell text into words and operators; command substitutions are scanned recursively. */
function tokenize(text: string, onSubstitution: (body: string, line: number) => void): Token[] {
  const tokens: Token[] = [];
  const heredocs: { delimiter: string; strip: boolean }[] = [];
  let line = 1;
  let i = 0;
  let word = "";
  let wordLine = 1;
  const flush = () => {
    if (word !== "") tokens.push({ text: word, line: wordLine, op: false });
    word = "";
  };
  const startWord = () => {
    if (word === "") wordLine = line;
  };
  /** Index just after the `)` that closes a `$(` whose body starts at `from`. */
  const closeParen = (from: number): number => {
    let depth = 1;
    let quote = "";
    for (let j = from; j < text.length; j++) {
      const c = text[j];
      if (quote) {
        if (c === "\\" && quote === '"') j++;
        else if (c === quote) quote = "";
      } else if (c === "'" || c === '"') quote = c;
      else if (c === "\\") j++;
      else if (c === "(") depth++;
      else if (c === ")" && --depth === 0) return j + 1;
    }
    return text.length;
  };
  const substitution = (at: number): number => {
    const end = closeParen(at + 2);
    onSubstitution(text.slice(at + 2, end - 1), line);
    line += (text.slice(at, end).match(/\n/g) ?? []).length;
    return end;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === "\n") {
      flush();
      tokens.push({ text: "\n", line, op: true });
      line++;
      i++;
      // Heredoc bodies start on the next line: skip them whole.
      for (const doc of heredocs.splice(0)) {
        for (;;) {
          const end = text.indexOf("\n", i);
          const body = text.slice(i, end < 0 ? text.length : end);
          i = end < 0 ? text.length : end + 1;
          line++;
          if ((doc.strip ? body.trim() : body) === doc.delimiter || end < 0) break;
        }
      }
      continue;
    }
    if (c === "#" && word === "") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    if (c === "\\") {
      if (text[i + 1] === "\n") line++;
      else {
        startWord();
        word += text[i + 1] ?? "";
      }
      i += 2;
      continue;
    }
    if (c === "'") {
      startWord();
      const end = text.indexOf("'", i + 1);
      const body = text.slice(i, end < 0 ? text.length : end + 1);
      word += body;
      line += (body.match(/\n/g) ?? []).length;
      i += body.length;
      continue;
    }
    if (c === '"') {
      startWord();
      word += c;
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\") {
          word += text.slice(i, i + 2);
          i += 2;
        } else if (text.startsWith("$(", i) && !text.startsWith("$((", i)) {
          word += "$()";
          i = substitution(i);
        } else {
          if (text[i] === "\n") line++;
          word += text[i++];
        }
      }
      word += '"';
      i++;
      continue;
    }
    if (text.startsWith("$((", i)) {
      startWord();
      const end = closeParen(i + 2);
      word += text.slice(i, end);
      i = end;
      continue;
    }
    if (text.startsWith("$(", i) || c === "`") {
      startWord();
      word += "$()";
      if (c === "`") {
        const end = text.indexOf("`", i + 1);
        onSubstitution(text.slice(i + 1, end), line);
        i = end + 1;
      } else i = substitution(i);
      continue;
    }
    if (text.startsWith("<<", i) && !text.startsWith("<<<", i)) {
      const m = /^<<(-?)\s*(['"]?)([A-Za-z0-9_]+)\2/.exec(text.slice(i));
      if (m) {
        flush();
        heredocs.push({ delimiter: m[3], strip: m[1] === "-" });
        i += m[0].length;
        continue;
      }
    }
    // Redirections: 2>&1, >&2, &>file are parts of a word, not the `&` operator.
    if (c === "&" && (/[<>]$/.test(word) || text[i + 1] === ">")) {
      startWord();
      word += c;
      i++;
      continue;
    }
    const op = /^(;;|;&|&&|\|\||[;|&()])/.exec(text.slice(i));
    // `<(` and `>(` are process substitutions: a command context like `$(`.
    if (c === "(" && (word.endsWith("<") || word.endsWith(">"))) {
      word += "()";
      i = substitution(i - 1);
      continue;
    }
    if (op) {
      flush();
      tokens.push({ text: op[0], line, op: true });
      i += op[0].length;
      continue;
    }
    if (c === " " || c === "\t") {
      flush();
      i++;
      continue;
    }
    startWord();
    word += c;
    i++;
  }
  flush();
  return tokens;
}

const COMMAND_WORD = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;

/** Names of the functions a bash script defines (`name() {`). */
export function shellFunctions(text: string): string[] {
  return [...text.matchAll(/^\s*(?:function\s+)?([A-Za-z_][A-Za-z0-9_-]*)\s*\(\)/gm)].map(
    (m) => m[1],
  );
}

/** The external commands a bash script runs (functions it defines and builtins left out). */
export function shellCommands(text: string, firstLine = 1): CommandUse[] {
  const found: CommandUse[] = [];
  const nested: CommandUse[] = [];
  const tokens = tokenize(text, (body, line) => {
    nested.push(...shellCommands(body, firstLine + line - 1));
  });
  const functions = new Set<string>();
  let atCommand = true;
  let afterWrapper = false;
  let inCaseHead = false; // between `case` and `in`
  let casePattern = false; // expecting a case pattern up to `)`
  const caseDepth: boolean[] = [];
  for (let t = 0; t < tokens.length; t++) {
    const tok = tokens[t];
    if (tok.op) {
      if (tok.text === ";;" || tok.text === ";&") casePattern = true;
      if (tok.text === ")" && casePattern) {
        casePattern = false;
        atCommand = true;
        continue;
      }
      if (tok.text === "\n" && caseDepth.length > 0 && tokens[t - 1]?.text === "in") {
        casePattern = true;
      }
      atCommand = tok.text !== ")";
      afterWrapper = false;
      continue;
    }
    const w = tok.text;
    if (inCaseHead) {
      if (w === "in") {
        inCaseHead = false;
        casePattern = true;
      }
      continue;
    }
    if (casePattern) {
      if (w === "esac") {
        caseDepth.pop();
        casePattern = false;
      }
      continue;
    }
    if (w === "esac") {
      caseDepth.pop();
      continue;
    }
    if (!atCommand) continue;
    if (w === "case") {
      caseDepth.push(true);
      inCaseHead = true;
      atCommand = false;
      continue;
    }
    if (w === "for") {
      // `for x in words; do` : nothing is a command until `do`.
      while (t + 1 < tokens.length && tokens[t + 1].text !== "do") t++;
      continue;
    }
    if (KEYWORDS_BEFORE_COMMAND.has(w)) continue;
    if (KEYWORDS.has(w)) {
      atCommand = w === "}";
      continue;
    }
    if (ASSIGNMENT.test(w) && !afterWrapper) {
      // NAME=( … ): an array's words are values.
      if (w.endsWith("=") && tokens[t + 1]?.text === "(") {
        while (t + 1 < tokens.length && tokens[t + 1].text !== ")") t++;
        t++;
      }
      continue;
    }
    if (afterWrapper && (w.startsWith("-") || ASSIGNMENT.test(w) || /^\d+[smhd]?$/.test(w))) {
      continue;
    }
    // name() { … }: a function, not a command.
    if (tokens[t + 1]?.text === "(" && tokens[t + 2]?.text === ")") {
      functions.add(w);
      t += 2;
      continue;
    }
    atCommand = false;
    afterWrapper = false;
    // 'nc' or "nc" as a whole word is nc; an absolute path names its last part.
    const bare = w.replace(/^'([^']*)'$/, "$1").replace(/^"([^"$]*)"$/, "$1");
    const name = bare.startsWith("/") ? (bare.split("/").pop() as string) : bare;
    if (!COMMAND_WORD.test(name)) continue;
    if (WRAPPERS.has(name)) {
      atCommand = true;
      afterWrapper = true;
      if (name === "command" && tokens[t + 1]?.text === "-v") t++;
      if (name !== "exec" && name !== "command")
        found.push({ command: name, line: firstLine + tok.line - 1 });
      continue;
    }
    // `ip netns exec NS cmd …` runs cmd.
    if (name === "ip" && tokens[t + 1]?.text === "netns" && tokens[t + 2]?.text === "exec") {
      found.push({ command: name, line: firstLine + tok.line - 1 });
      t += 3;
      atCommand = true;
      continue;
    }
    if (BUILTINS.has(name)) continue;
    found.push({ command: name, line: firstLine + tok.line - 1 });
  }
  return [...found, ...nested].filter((c) => !functions.has(c.command));
}

const CHILD_PROCESS_CALL =
  /\b(?:execFileSync|execFile|spawnSync|spawn)\(\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z_][A-Za-z0-9_.]*))/g;

/**
 * Commands a TypeScript file runs through child_process: a literal first
 * argument, or a constant of the same file (`const SSHD = "/usr/sbin/sshd"`).
 * `sh -c` bodies given as literals are scanned as shell.
 */
export function typescriptCommands(text: string): CommandUse[] {
  const found: CommandUse[] = [];
  const lineAt = (index: number) => text.slice(0, index).split("\n").length;
  for (const m of text.matchAll(CHILD_PROCESS_CALL)) {
    let command = m[1] ?? m[2];
    const ident = m[3];
    if (ident !== undefined) {
      if (ident === "process.execPath") command = "node";
      else {
        const constant = new RegExp(`\\bconst ${ident}\\s*=\\s*"([^"]+)"`).exec(text);
        if (constant) command = constant[1];
        else continue; // a value built at run time: the code that builds it is scanned instead
      }
    }
    if (command === undefined) continue;
    found.push({ command: command.split("/").pop() as string, line: lineAt(m.index) });
    if (command === "sh" || command === "bash") {
      const body = /^\s*\[\s*"-c",\s*"([^"]+)"/.exec(text.slice(m.index + m[0].length + 1));
      if (body) found.push(...shellCommands(body[1], lineAt(m.index)));
    }
  }
  return found;
}
