"""Secret detection: credentials written literally in values and on shell command lines.

One detector for every file kind (buildspec `env.variables` and `commands`, CodeBuild and
CodePipeline environment variables, CloudFormation properties). The rules decide where to
look; this module decides whether a string holds a credential.

Precision comes before recall: a linter that cries wolf gets switched off. So

* a value that only *refers* to a secret kept elsewhere (`$VAR`, `#{ns.var}`,
  `{{resolve:...}}`, an SSM parameter name, an ARN, a placeholder) is never a hit;
* token formats are matched whole (`ghp_` + exactly 36 characters, `AKIA` + 16) and
  their random part must look random (no `xxxx`, no `EXAMPLE`, Shannon entropy >= 3);
* command-line options count only for the programs where they mean a password
  (`-p` is a password for `docker login`, a port for `docker run` and `ssh`).

Patterns are facts from the formats themselves and from the public descriptions of
detect-secrets, gitleaks and checkov; no code is taken from those tools.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SecretHit:
    """A secret found in a string; `start`/`end` cover the secret value only."""

    kind: str
    description: str
    start: int
    end: int


DESCRIPTIONS = {
    "aws-access-key-id": "an AWS access key id",
    "aws-secret-access-key": "an AWS secret access key",
    "github-token": "a GitHub token",
    "gitlab-token": "a GitLab personal access token",
    "npm-token": "an npm registry token",
    "slack-token": "a Slack token",
    "slack-webhook": "a Slack webhook URL",
    "stripe-key": "a Stripe secret key",
    "private-key": "a private key",
    "jwt": "a JSON Web Token",
    "url-credentials": "a password embedded in a URL",
    "auth-header": "a credential in an HTTP authorization header",
    "password-option": "a secret passed as a command-line option",
    "basic-auth": "a password passed as curl -u user:password",
    "docker-login-password": "a password passed to docker login",
    "secret-assignment": "a literal value assigned to a secret-named variable",
    "secret-name": "a literal value under a secret-named key",
    "high-entropy": "a high-entropy string that looks like a key",
}


def _hit(kind: str, start: int, end: int, description: str | None = None) -> SecretHit:
    return SecretHit(kind, description or DESCRIPTIONS[kind], start, end)


# --------------------------------------------------------------------------- helpers

def entropy(value: str) -> float:
    """Shannon entropy in bits per character (0.0 for the empty string)."""
    if not value:
        return 0.0
    n = len(value)
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def redact(secret: str) -> str:
    """Never reveal a secret: at most its first 4 characters, then its length.

    Short secrets (under 12 characters) show nothing at all: 4 characters of a
    7-character password give too much away.
    """
    head = secret[:4] if len(secret) >= 12 else ""
    return f"{head}…({len(secret)} chars)"


def _strip_quotes(value: str) -> str:
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        v = v[1:-1].strip()
    return v


# Things that stand for a value kept elsewhere. A value made only of these (plus
# punctuation) is a reference: `$USER:$TOKEN`, `${PREFIX}-${SUFFIX}`, `"${DB_PASSWORD}"`.
# In order: ${{ secrets.X }}, ${VAR} / ${VAR:-x}, $(cmd), `cmd`, $env:VAR (PowerShell), $VAR,
# #{ns.var} (CodePipeline), {{resolve:...}} / {{ jinja }}, %VAR% (cmd.exe), <placeholder>.
_REF_TOKEN = re.compile(r"\$\{\{.*?\}\}|\$\{[^{}]*\}|\$\((?:[^()]|\([^()]*\))*\)|`[^`]*`|\$[eE][nN][vV]:\w+|\$\w+"
                        r"|#\{[^{}]*\}|\{\{.*?\}\}|%\w+%|<[^<>]*>", re.S | re.A)

# Any expansion inside a string: the shell builds the value at run time from elsewhere.
_DYNAMIC = re.compile(r"\$[\w{(]|`|\{\{|#\{|%\w+%", re.A)

_CFN_TAGS = ("!Ref ", "!GetAtt ", "!Sub ", "!ImportValue ", "!FindInMap ", "!Join ", "!Select ", "!If ")

_PLACEHOLDER_WORDS = frozenset("""
    changeme replaceme dummy example sample test testing password passwd pass pwd secret
    token apikey none null nil undefined todo tbd fixme placeholder redacted hidden masked
    notset unset empty blank default true false yes no on off enabled disabled value string
    foo bar foobar baz xyz abc abc123 admin root guest user username mypassword mysecret
    mytoken secretkey accesskey secretaccesskey privatekey
    postgres mysql mariadb changeit rabbitmq minioadmin
""".split())                     # the last line: well-known defaults of local service containers
_PLACEHOLDER_PARTS = ("changeme", "replaceme", "placeholder", "redacted", "xxxx", "dummy", "mock",
                      "example", "yourtoken", "yourpassword", "yoursecret", "yourkey",
                      "yourapikey", "insertyour", "enteryour")


def _is_placeholder(v: str) -> bool:
    """Documentation values: `changeme`, `xxxx`, `***`, `your-token-here`, `...EXAMPLE`.

    The fuzzy rules (a placeholder word inside, `your...`, `...here`) only apply to short
    values that are not URLs: `https://app:pw@db.example-corp.net` is checked part by part.
    """
    low = v.lower()
    norm = "".join(c for c in low if c.isalnum())
    if not norm or len(set(norm)) == 1:            # "***", "xxxxxxxx", "00000000"
        return True
    if norm in _PLACEHOLDER_WORDS or "EXAMPLE" in v:
        return True
    if len(v) > 48 or "://" in v:
        return False
    if any(part in norm for part in _PLACEHOLDER_PARTS) or norm.startswith("your"):
        return True
    return low[-5:-4] in ("-", "_", " ", ".") and low.endswith("here")


def is_reference(value: str) -> bool:
    """True when the whole value only refers to a secret kept elsewhere (or is a placeholder).

    References: `$VAR`, `${VAR}`, `$(cmd)`, `#{ns.var}`, `{{resolve:...}}`, `{{ x }}`,
    `${{ secrets.X }}`, `<placeholder>`, `%VAR%`, `$env:VAR`, `!Ref X`, an SSM parameter
    name (`/prod/db/password`), an ARN. Placeholders: empty, `changeme`, `xxx`, `***`,
    `your-token-here`, `dummy`, `password`, `none`, AWS documentation keys (`...EXAMPLE`).
    """
    v = _strip_quotes(value)
    if not v:
        return True
    if v.startswith("/") and all(c.isalnum() or c in "_.-/" for c in _REF_TOKEN.sub("x", v)):
        return True                                   # SSM parameter name, /${ENV}/db/password too
    if v.startswith("arn:") and not any(c.isspace() for c in v):
        return True
    if v.startswith(_CFN_TAGS) or _is_placeholder(v):
        return True
    rest, count = _REF_TOKEN.subn("", v)
    return count > 0 and not any(c.isalnum() for c in rest)


def _literal(value: str, min_len: int) -> bool:
    """A value typed in by hand: long enough, no expansion, no reference, no placeholder."""
    v = _strip_quotes(value)
    return len(v) >= min_len and not _DYNAMIC.search(v) and not is_reference(v)


def literal_secret(name: str, value: object) -> bool:
    """A hand-typed value under a secret-named key (`DbPassword: hunter2hunter2`)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return False
    return secret_name(name) and _literal(str(value), 6)


# --------------------------------------------------------------------------- names

_NAME_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", re.A)

_SECRET_WORDS = frozenset("""
    password passwd passphrase passcode pass pwd pw secret secrets token credential
    credentials creds cred pat apikey apitoken accesskey secretkey privatekey authkey
    authtoken accesstoken clientsecret sessionkey sessiontoken
""".split())
# `<qualifier>_KEY` is a secret; a bare or otherwise qualified KEY is usually an S3 object
# key, a cache key, a DynamoDB sort key...
_KEY_QUALIFIERS = frozenset("""
    api access private secret auth session signing sign master encryption encrypt client
    service account db database priv app consumer hmac jwt ssh gpg pgp deploy webhook
    shared admin root subscription
""".split())
# The last word names what the variable holds: DB_PASSWORD_ARN holds an ARN.
_NOT_SECRET_LAST = frozenset("""
    arn arns name names id ids path paths file files dir directory url urls uri endpoint host
    hostname port param params parameter parameters ssm region length len ttl expiry
    expiration expires type header policy rotation prefix suffix enabled disabled required
    mode version format location bucket helper provider store manager source method scope
    scopes role user username login email owner issuer audience algorithm alg hash digest
    checksum sha md5 count size limit min max timeout interval duration age days pair keypair
    var variable field label tag kind flag check rate through threshold env namespace pattern
    regex template stdin prompt hint config settings command cmd script
""".split())
_NOT_SECRET_FIRST = frozenset("""
    use enable enabled disable disabled no skip is has should allow require requires max min
    num ignore show with without generate rotate mock fake
""".split())
_NOT_SECRET_ANY = frozenset({"public", "kms", "secretsmanager", "pubkey"})


@functools.lru_cache(maxsize=4096)
def secret_name(name: str) -> bool:
    """True when a variable / parameter / key name says it holds a secret.

    Case-insensitive; split on `_ - .` and camelCase. Secret words: PASSWORD, PASSWD, PWD
    and PASS as a word part (`DB_PASS`), SECRET, TOKEN, CREDENTIAL(S), PASSPHRASE, and KEY
    qualified as API/ACCESS/PRIVATE/AUTH/SECRET/SESSION/SIGNING/... The name is *not*
    secret when its last word says it holds something about the secret (`*_ARN`, `*_NAME`,
    `*_ID`, `*_PATH`, `*_URL`, `*_TTL`, ... so `AWS_ACCESS_KEY_ID`, `KMS_KEY_ID`,
    `TOKEN_URL`, `SECRET_ID`), when it is a switch (`USE_*`, `ENABLE_*`, `NO_*`, `SKIP_*`),
    a mock (`MOCK_*`, `FAKE_*`), for `SECRETS_MANAGER_*`, `PUBLIC_KEY`, `KEY_PAIR`, bare `KEY`, S3/cache/sort keys, and
    for `PWD` alone (the shell's working directory).
    """
    parts = [w.lower() for w in _NAME_WORD.findall(name)]
    while parts and parts[-1].isdigit():
        parts.pop()
    if not parts or parts == ["pwd"]:
        return False
    if parts[-1] in _NOT_SECRET_LAST or parts[0] in _NOT_SECRET_FIRST:
        return False
    if _NOT_SECRET_ANY.intersection(parts):
        return False
    pairs = list(zip(parts, parts[1:]))
    if ("secrets", "manager") in pairs or ("secret", "manager") in pairs or ("parameter", "store") in pairs:
        return False
    if _SECRET_WORDS.intersection(parts) or parts[-1] == "auth":
        return True
    return any(b in ("key", "keys") and a in _KEY_QUALIFIERS for a, b in pairs)


# --------------------------------------------------------------------------- values

def _random_part(s: str, min_entropy: float = 3.0) -> bool:
    """The random part of a token looks random: no EXAMPLE/xxxx, not one repeated char."""
    return not _is_placeholder(s) and entropy(s) >= min_entropy


_DOC_TLDS = ("example", "test", "invalid", "localhost", "local")


def _local_host(host: str) -> bool:
    """localhost, loopback, a single-label name (a CI service container: `db`, `redis`) or a
    documentation domain (`example.com`, `*.test`: RFC 2606)."""
    labels = host.lower().split(".")
    return (len(labels) == 1 or labels[-1] in _DOC_TLDS or labels[-2] == "example"
            or labels[0] == "127" or host in ("0.0.0.0", "host.docker.internal"))


def _url_password(m: re.Match) -> tuple[int, int] | None:
    """`scheme://user:password@host`: only a literal password for a real (dotted) host.

    `postgres:postgres@localhost`, `guest:guest@rabbitmq` (a CI service container) and
    `user:$TOKEN@github.com` are not hits.
    """
    user, password, host = m.group("user", "pw", "host")
    if password == user or _local_host(host) or not _literal(password, 4):
        return None
    return m.span("pw")


_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_PEM_BODY = _BASE64 | frozenset("=:,-\\ \t\r\n")


def _private_key(m: re.Match) -> tuple[int, int] | None:
    """A PEM header alone (`grep "BEGIN RSA PRIVATE KEY"`) is not a key: require a body
    holding a run of 40+ base64 characters, up to the END line (or the first non-PEM char)."""
    text, start = m.string, m.end()
    end = text.find("-----END", start)
    close = text.find("-----", end + 8) if end >= 0 else -1
    if close >= 0 and "PRIVATE KEY" in text[end:close] and all(c in _PEM_BODY for c in text[start:end]):
        body_end, stop = end, close + 5
    else:
        body_end = start
        while body_end < len(text) and text[body_end] in _PEM_BODY:
            body_end += 1
        stop = body_end
    run = longest = 0
    for c in text[start:body_end]:
        run = run + 1 if c in _BASE64 else 0
        longest = max(longest, run)
    return (m.start(), stop) if longest >= 40 else None


# Token formats, matched whole; the group name is the kind. Each must look random
# (`_random_part`), which drops `ghp_xxxx...` and `AKIA...EXAMPLE`.
_TOKENS = re.compile(
    r"(?<![A-Za-z0-9_])(?:"
    r"(?P<aws_access_key_id>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})"
    r"|(?P<github_token>gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})"
    r"|(?P<gitlab_token>glpat-[A-Za-z0-9_-]{20,}(?:\.[A-Za-z0-9_-]+)*)"
    r"|(?P<npm_token>npm_[A-Za-z0-9]{36})"
    r"|(?P<slack_token>xox[abposr]-(?:\d+-)+[A-Za-z0-9]{8,})"
    r"|(?P<slack_webhook>https://hooks\.slack\.com/services/T[A-Z0-9_]{6,}/B[A-Z0-9_]{6,}/[A-Za-z0-9_]{16,})"
    r"|(?P<stripe_key>(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,})"
    r"|(?P<jwt>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,})"
    r")(?![A-Za-z0-9_])", re.A)
# A literal after a keyword: an .npmrc `_authToken=` or an HTTP authorization header.
_KEYWORD_VALUE = re.compile(
    r"(?<!\w)_(?:authToken|auth|password)\s*=\s*(?P<npm_token>[^\s'\"]+)"
    r"|(?i:\b(?:proxy-)?authorization\s*:\s*(?:bearer|basic|token)\s+(?P<auth_header>[^\s'\"]+)"
    r"|\b(?:private-token|x-api-key|x-auth-token|x-gitlab-token)\s*:\s*(?P<api_header>[^\s'\"]+))", re.A)
_URL_CREDENTIALS = re.compile(
    r"\b[a-z][a-z0-9+.-]{0,15}://(?P<user>[^\s:/?#@'\"\[\]]+):(?P<pw>[^\s/?#@'\"]+)"
    r"@(?P<host>[^\s/?#:'\"]+)", re.I | re.A)
_PEM_BEGIN = re.compile(r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----", re.A)
_DIGITS = frozenset("0123456789")


def _aws_secret(v: str) -> bool:
    """Exactly 40 base64 characters that look random.

    A 40-hex git SHA is not a secret; neither is a 40-character path or CamelCase
    identifier: those have lower entropy (random keys sit near 4.8 bits, 99.9% above 4.35)
    and are made of words, so a third or more of their letters are vowels (random: ~19%);
    such a wordy string needs 4.6 bits.
    """
    if len(v) != 40 or not _BASE64.issuperset(v) or all(c in "0123456789abcdefABCDEF" for c in v):
        return False
    mixed = v.lower() != v and v.upper() != v and not _DIGITS.isdisjoint(v)
    letters = [c for c in v.lower() if c.isalpha()]
    vowels = sum(c in "aeiou" for c in letters)
    bits = entropy(v)
    wordy = 3 * vowels >= len(letters)
    return ("/" in v or "+" in v or mixed) and bits >= (4.6 if wordy else 4.3) and not _is_placeholder(v)


# Every format below starts with one of these: a text without any has no hit. They are
# tested one family at a time, as plain substring tests (a regex alternation of them costs
# ten times more on a whole file), and each family's regex runs only on a text that holds
# one of its starts (each written out: "gh" alone is in "github", "high" and "through";
# "hooks.slack" stands for the webhook). The header words are matched without case, as
# _KEYWORD_VALUE does: in the lowered text, or by a regex when the text holds one of the
# two letters that (?i) also reads as `i` and lower() does not turn into one.
_TOKEN_STARTS = ("AKIA", "ASIA", "A3T", "ABIA", "ACCA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",
                 "glpat-", "npm_", "xox", "hooks.slack", "sk_", "rk_", "eyJ")
_HEADER_WORDS = ("authorization", "private-token", "x-api-key", "x-auth-token", "x-gitlab-token")
_HEADER_START = re.compile(r"(?i:authorization|private-token|x-api-key|x-auth-token|x-gitlab-token)")


def _has_keyword(text: str) -> bool:
    if "_auth" in text or "_password" in text:
        return True
    if "\u0130" in text or "\u0131" in text:
        return _HEADER_START.search(text) is not None
    low = text.lower()
    return any(w in low for w in _HEADER_WORDS)


def pattern_hits(text: str) -> list[SecretHit]:
    """Hits for the formats recognisable anywhere in a string."""
    hits = []
    if any(start in text for start in _TOKEN_STARTS):
        for m in _TOKENS.finditer(text):
            if _random_part(m.group()):
                hits.append(_hit(m.lastgroup.replace("_", "-"), *m.span()))
    if _has_keyword(text):
        for m in _KEYWORD_VALUE.finditer(text):
            value = m.group(m.lastgroup)
            if _literal(value, 8) and entropy(value) >= 3.0:
                kind = "npm-token" if m.lastgroup == "npm_token" else "auth-header"
                hits.append(_hit(kind, *m.span(m.lastgroup)))
    if "://" in text:
        for m in _URL_CREDENTIALS.finditer(text):
            span = _url_password(m)
            if span:
                hits.append(_hit("url-credentials", *span))
    if "-----BEGIN" in text:
        for m in _PEM_BEGIN.finditer(text):
            span = _private_key(m)
            if span:
                hits.append(_hit("private-key", *span))
    return hits


def scan_value(value: str) -> SecretHit | None:
    """The first credential the value holds on its own (its name is not considered).

    Known token formats anywhere in the value (AWS key ids, GitHub, GitLab, npm, Slack,
    Stripe, PEM private keys, JWTs, URL passwords); an AWS secret access key only when the
    whole value is one. None for references and placeholders.
    """
    if not isinstance(value, str):
        return None
    v = value.strip()
    if _aws_secret(v):               # before is_reference: a key may start with "/" like an SSM name
        start = value.index(v)
        return _hit("aws-secret-access-key", start, start + len(v))
    if is_reference(value):
        return None
    hits = pattern_hits(value)
    return min(hits, key=lambda h: h.start) if hits else None


# --------------------------------------------------------------------------- commands

_OPS = ("&&", "||", ";;", "|&", ">>", "<<", "&>", ">&", "<&", "\n", ";", "&", "|", "(", ")", "<", ">")
_SEPARATORS = frozenset({"&&", "||", ";;", "|&", "\n", ";", "&", "|", "(", ")"})
_WORD_END = frozenset(" \t\r\n;&|()<>")
_OP_START = frozenset(o[0] for o in _OPS)


def _paren_end(s: str, i: int) -> int:
    """Index of the `)` closing a `$(` whose content starts at i (len(s) if unclosed)."""
    depth, n = 1, len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "'":
            j = s.find("'", i + 1)
            i = n if j < 0 else j + 1
            continue
        if c == '"':
            i = _dquote_end(s, i + 1, [])
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return n


def _dquote_end(s: str, i: int, subs: list) -> int:
    """Index just after the `"` closing a double-quoted string whose content starts at i."""
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
        elif c == '"':
            return i + 1
        elif s.startswith("$(", i):
            end = _paren_end(s, i + 2)
            subs.append((i + 2, end))
            i = end + 1
        elif c == "`":
            j = s.find("`", i + 1)
            end = n if j < 0 else j
            subs.append((i + 1, end))
            i = end + 1
        else:
            i += 1
    return n


def _lex(s: str) -> tuple[list[tuple[str, int, int]], list[tuple[int, int]]]:
    """Shell tokens as (kind, start, end), kind "w" for words or the operator text, and the
    spans of command substitutions (scanned again as commands of their own)."""
    tokens: list[tuple[str, int, int]] = []
    subs: list[tuple[int, int]] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c in " \t\r":
            i += 1
            continue
        if c == "\\" and s.startswith("\n", i + 1):
            i += 2
            continue
        if c == "#":                                  # comment to end of line
            j = s.find("\n", i)
            i = n if j < 0 else j
            continue
        op = next((o for o in _OPS if s.startswith(o, i)), None) if c in _OP_START else None
        if op:
            tokens.append((op, i, i + len(op)))
            i += len(op)
            continue
        start = i
        while i < n and s[i] not in _WORD_END:
            c = s[i]
            if c == "\\":
                i += 2
            elif c == "'":
                j = s.find("'", i + 1)
                i = n if j < 0 else j + 1
            elif c == '"':
                i = _dquote_end(s, i + 1, subs)
            elif c == "`":
                j = s.find("`", i + 1)
                end = n if j < 0 else j
                subs.append((i + 1, end))
                i = end + 1
            elif s.startswith("$(", i):
                end = _paren_end(s, i + 2)
                subs.append((i + 2, end))
                i = end + 1
            else:
                i += 1
        tokens.append(("w", start, min(i, n)))
    return tokens, subs


def _simple_commands(tokens: list[tuple[str, int, int]]) -> list[list[tuple[int, int]]]:
    """Word spans grouped by simple command; redirection targets are dropped."""
    commands, current, skip = [], [], False
    for kind, start, end in tokens:
        if kind == "w":
            if not skip:
                current.append((start, end))
            skip = False
        elif kind in _SEPARATORS:
            if current:
                commands.append(current)
            current, skip = [], False
        else:
            skip = True
    if current:
        commands.append(current)
    return commands


def _unquote(s: str, a: int, b: int) -> tuple[int, int]:
    """Span of the text inside one pair of surrounding quotes, if any."""
    if b - a >= 2 and s[a] == s[b - 1] and s[a] in "'\"":
        return a + 1, b - 1
    return a, b


_ASSIGNMENT = re.compile(r"(?:\$[eE][nN][vV]:)?(?P<name>[A-Za-z_][\w.-]*)=(?P<value>.*)", re.S | re.A)
_OPTION = re.compile(r"(?P<opt>--?[A-Za-z][\w-]*)(?:=(?P<value>.*))?", re.S | re.A)
# `--password`, `--db-password`, `--github-token`, `--client-secret`... (not `--password-stdin`,
# `--token-file`, `--secret-id`: the last word must be one of these).
_SECRET_OPTION_ENDINGS = ("password", "passwd", "pass", "passphrase", "token", "api-key", "apikey",
                          "secret", "secret-key", "secret-access-key", "secret-string")
_BOOLEAN_OPTION_PREFIXES = ("--no-", "--with-", "--without-", "--use-", "--skip-", "--ask-", "--prompt-",
                            "--show-", "--require-", "--allow-", "--enable-", "--disable-", "--print-")
_JAVA_PASS_OPTIONS = frozenset({"-storepass", "-keypass", "-srcstorepass", "-deststorepass",
                                "-srckeypass", "-destkeypass"})

_LOGIN_TOOLS = frozenset({"docker", "podman", "buildah", "skopeo", "nerdctl", "finch", "oras", "cosign"})
_DOCKER_GLOBAL_WITH_VALUE = frozenset({"--config", "-c", "--context", "-H", "--host", "-l", "--log-level"})
_MYSQL = frozenset({"mysql", "mysqldump", "mysqladmin", "mysqlimport", "mysqlcheck", "mysqlshow",
                    "mariadb", "mariadb-dump"})
_PSQL = frozenset({"psql", "pg_dump", "pg_dumpall", "pg_restore", "pg_basebackup", "createdb",
                   "dropdb", "createuser", "dropuser", "vacuumdb", "reindexdb", "clusterdb"})
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh"})
_WRAPPERS = frozenset({"sudo", "env", "time", "nohup", "exec", "command", "builtin", "nice"})
_OPTION_MIN = 6          # shortest literal taken as a password on a command line
_ASSIGNMENT_MIN = 8      # shortest literal taken as a secret in NAME=value


def _secret_option(opt: str) -> bool:
    name = opt.lower()
    return (name.startswith("--") and not name.startswith(_BOOLEAN_OPTION_PREFIXES)
            and any(name == "--" + w or name.endswith("-" + w) for w in _SECRET_OPTION_ENDINGS))


def _not_a_value(v: str) -> bool:
    """A file (`file://x`, `@x`, `./x`, `~/x`), or `key=value` settings (`--secret id=x,src=y`)."""
    if v.lower().startswith(("file://", "fileb://", "@", "/", "./", "../", "~/")):
        return True
    eq = v.find("=")
    return eq > 0 and v[eq + 1:eq + 2] not in ("", "=") and all(c.isalnum() or c in "_.-" for c in v[:eq])


def _identifier(v: str) -> bool:
    """`MY_SECRET_NAME`: an upper-case name with an underscore names a value, it is not one."""
    return "_" in v and v.upper() == v and v[0].isalpha() and all(c.isalnum() or c == "_" for c in v)


def _positionals(texts: list[str], valued_long: bool = False) -> list[int]:
    """Indices of the arguments that are not options (nor, with valued_long, the value
    of a `--long` option, as in the aws CLI)."""
    out, skip = [], False
    for j, t in enumerate(texts):
        if skip:
            skip = False
        elif t.startswith("-"):
            skip = (valued_long and t.startswith("--") and "=" not in t
                    and not t.startswith("--no-") and t != "--debug")
        else:
            out.append(j)
    return out


def _program(word: str) -> str:
    name = _strip_quotes(word).replace("\\", "/").rsplit("/", 1)[-1].lower()
    return name[:-4] if name.endswith(".exe") else name


def _assignment_hit(s: str, a: int, b: int) -> SecretHit | None:
    """`NAME=literal` (leading assignment, `export`, `--build-arg`, `-var`, `helm --set`)."""
    a, b = _unquote(s, a, b)
    m = _ASSIGNMENT.fullmatch(s, a, b)
    if not m or not secret_name(m.group("name")):
        return None
    va, vb = _unquote(s, m.start("value"), b)
    value = s[va:vb]
    if (not _literal(value, _ASSIGNMENT_MIN) or _not_a_value(value)
            or _identifier(value) or any(c.isspace() for c in value)):
        return None
    return _hit("secret-assignment", va, vb)


def _value_hit(s: str, a: int, b: int, kind: str, description: str | None = None,
               min_len: int = _OPTION_MIN) -> SecretHit | None:
    """The (unquoted) literal in s[a:b] as a hit, or None for references and non-values."""
    a, b = _unquote(s, a, b)
    value = s[a:b]
    if value.startswith("-") or _not_a_value(value) or not _literal(value, min_len):
        return None
    return _hit(kind, a, b, description)


def _user_password_hit(s: str, a: int, b: int) -> SecretHit | None:
    """curl `-u user:password`: the password part, when literal and not the user name."""
    a, b = _unquote(s, a, b)
    value = s[a:b]
    if "$(" in value or "`" in value or ":" not in value:
        return None
    user, password = value.split(":", 1)
    start = a + len(user) + 1
    if password == user or not _literal(password, _OPTION_MIN):
        return None
    return _hit("basic-auth", start, b)


def _command_hits(s: str, words: list[tuple[int, int]]) -> list[SecretHit]:
    """Hits that depend on the program: which option carries a password."""
    hits = [h for a, b in words if (h := _assignment_hit(s, a, b))]
    i = 0
    while i < len(words):
        word = s[slice(*words[i])]
        if _ASSIGNMENT.fullmatch(word):
            i += 1
            continue
        prog = _program(word)
        if prog not in _WRAPPERS:
            break
        i += 1
        while i < len(words) and s[words[i][0]] == "-":      # wrapper options
            if prog == "sudo" and s[slice(*words[i])] in ("-u", "-g"):
                i += 1
            i += 1
    if i >= len(words):
        return hits
    prog = _program(s[slice(*words[i])])
    args = words[i + 1:]
    texts = [s[a:b] for a, b in args]

    login = None                                     # "docker login", "helm registry login"
    if prog in _LOGIN_TOOLS:
        j = 0
        while j < len(texts) and texts[j].startswith("-"):
            j += 2 if texts[j] in _DOCKER_GLOBAL_WITH_VALUE else 1
        if j < len(texts) and texts[j] == "login":
            login = f"{prog} login"
    elif prog == "helm" and [texts[j] for j in _positionals(texts)][:2] == ["registry", "login"]:
        login = "helm registry login"

    if prog == "aws":
        pos = _positionals(texts, valued_long=True)
        words_ = [_strip_quotes(texts[j]) for j in pos]
        if words_[:2] == ["configure", "set"] and len(words_) >= 4:
            key, span = words_[2].lower(), args[pos[3]]
            if key.endswith("aws_secret_access_key"):
                hits.append(_value_hit(s, *span, "aws-secret-access-key", min_len=16))
            elif key.endswith("aws_session_token"):
                hits.append(_value_hit(s, *span, "secret-assignment", "a literal AWS session token", 16))

    if prog in ("npm", "yarn", "pnpm"):
        pos = _positionals(texts)
        words_ = [_strip_quotes(texts[j]) for j in pos]
        if "set" in words_:
            k = words_.index("set")
            if len(words_) > k + 2 and words_[k + 1].endswith(("_authToken", "_auth", "_password")):
                hits.append(_value_hit(s, *args[pos[k + 2]], "npm-token", min_len=8))

    for j, (a, b) in enumerate(args):
        text = texts[j]
        nxt = args[j + 1] if j + 1 < len(args) else None
        if prog in _SHELLS and text[:1] == "-" and "c" in text and text[1:].isalpha() and nxt:
            ia, ib = _unquote(s, *nxt)
            hits += [_hit(h.kind, h.start + ia, h.end + ia, h.description) for h in scan_command(s[ia:ib])]
            break
        if (len(text) > 2 and text[:2] in ("-p", "-u", "-U") and text[2] != "-"
                and (login or prog in _MYSQL or prog in ("sshpass", "curl"))):
            opt, value_span = text[:2], (a + 2, b)   # -pSECRET
        else:
            m = _OPTION.fullmatch(text)
            if not m:
                continue
            opt = m.group("opt")
            value_span = (a + m.start("value"), b) if m.group("value") is not None else nxt
        if value_span is None:
            continue
        attached = value_span[0] < b
        if login:
            if opt in ("-p", "--password"):
                hits.append(_value_hit(s, *value_span, "docker-login-password",
                                       f"a password passed to {login}"))
        elif prog in _MYSQL:
            if attached and opt in ("-p", "--password"):   # `-p db` / `--password db`: db name
                hits.append(_value_hit(s, *value_span, "password-option", f"a password passed to {prog}"))
        elif prog == "curl" and opt in ("-u", "--user", "-U", "--proxy-user"):
            hits.append(_user_password_hit(s, *value_span))
        elif prog == "sshpass" and opt == "-p":
            hits.append(_value_hit(s, *value_span, "password-option", "a password passed to sshpass -p"))
        elif prog in ("keytool", "jarsigner") and opt in _JAVA_PASS_OPTIONS:
            hits.append(_value_hit(s, *value_span, "password-option", f"a password passed as {opt}"))
        elif prog == "openssl" and opt in ("-pass", "-passin", "-passout"):
            va, vb = _unquote(s, *value_span)
            if s.startswith("pass:", va):
                hits.append(_value_hit(s, va + 5, vb, "password-option", f"a password passed as {opt}"))
        elif prog == "kubectl" and opt == "--from-literal" and attached:
            hits.append(_assignment_hit(s, *value_span))
        elif prog not in _PSQL and _secret_option(opt):
            hits.append(_value_hit(s, *value_span, "password-option", f"a secret passed as {opt}"))
    return [h for h in hits if h]


# What every hit beyond the token formats needs somewhere in the command: `NAME=value`, an
# option (`-p`, `--password`), a 40-character word (an AWS secret key), `aws configure set
# aws_secret_...`, or an npm `_authToken`/`_password` key.
_MAY_HOLD_MORE = re.compile(r"[=-]|[A-Za-z0-9/+]{40}|aws_s|_auth|_password", re.I)
# ... and one of the words it is about: a secret-named variable (secret_name needs one of
# pass/pw/secret/token/cred/pat/key/auth in the name), a secret option (every
# _SECRET_OPTION_ENDINGS and _JAVA_PASS_OPTIONS holds pass/token/key/secret; openssl's
# -pass, sshpass too), `login` (docker/podman/helm registry login), curl or mysql/mariadb
# (-pSECRET, -u user:password), npm's _auth/_password keys, aws configure set
# aws_secret_access_key / aws_session_token, or a 40-character word (an AWS secret key).
# Command substitutions and `sh -c` strings are parts of the command, so they are covered.
# perf: most commands hold an option or `=`, few one of these words; only those are lexed.
_NAMES_A_SECRET = re.compile(r"[A-Za-z0-9/+]{40}|(?i:pass|pw|secret|token|cred|pat|key|auth|login|curl|mysql"
                             r"|mariadb)")


def scan_command(command: str) -> list[SecretHit]:
    """Secrets written literally on a shell command line, offsets within `command`.

    Token formats anywhere (as in `scan_value`); a 40-character AWS secret key as a word
    or `NAME=`/`--opt=` value; `docker login -p/--password`; `mysql -pSECRET`; `curl -u
    user:pass`; `sshpass -p`; `--password/--token/--api-key/--secret...` options; `NAME=value`
    for secret names (`export`, leading assignments, `--build-arg`); `aws configure set
    aws_secret_access_key`; npm `_authToken`. A value that is a reference (`$VAR`,
    `"${VAR}"`, `$(cmd)`) or a placeholder is never a hit, and `--password-stdin` never is.
    """
    if len(command) > 2048:  # a long script: not kept
        return list(_scan_command.__wrapped__(command))
    return list(_scan_command(command))


# perf: a pure function of the string, and the same commands come back in file after file
# (`npm ci`, `make test`, a monorepo's copies of one buildspec): each answer is kept.
@functools.lru_cache(maxsize=8192)
def _scan_command(command: str) -> tuple[SecretHit, ...]:
    hits = pattern_hits(command)
    if not _MAY_HOLD_MORE.search(command) or not _NAMES_A_SECRET.search(command):
        return tuple(hits)  # no assignment, option, 40-character word or secret word: nothing to lex
    tokens, subs = _lex(command)
    for kind, a, b in tokens:
        if kind != "w":
            continue
        a, b = _unquote(command, a, b)
        word = command[a:b]
        eq = word.find("=")
        for start in (a, a + eq + 1) if eq > 0 else (a,):
            va, vb = _unquote(command, start, b)
            if _aws_secret(command[va:vb]):
                hits.append(_hit("aws-secret-access-key", va, vb))
    for words in _simple_commands(tokens):
        hits += _command_hits(command, words)
    for a, b in subs:
        hits += [_hit(h.kind, h.start + a, h.end + a, h.description) for h in scan_command(command[a:b])]
    kept: list[SecretHit] = []                 # the first (most specific) hit wins an overlap
    for h in hits:
        if all(h.end <= k.start or h.start >= k.end for k in kept):
            kept.append(h)
    return tuple(sorted(kept, key=lambda h: h.start))
