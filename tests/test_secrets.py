"""Tests for linter.secrets: what is a credible secret, and what only looks like one.

Every token-like value is assembled at run time from a prefix and pseudo-random filler, so
this file holds no complete token that a secret scanner (GitHub push protection) would
block. The filler is random-looking on purpose: a repeated pattern such as "A1b2" * 9 has
2 bits of entropy and is treated as a placeholder, not as a token.
"""

from __future__ import annotations

import ast
import random
import string

import pytest

import linter.secrets
from linter.secrets import SecretHit, entropy, is_reference, redact, scan_command, scan_value, secret_name

ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits
B64 = ALNUM + "+/"
HEX = "0123456789abcdef"


def rnd(n: int, alphabet: str = ALNUM, seed: int = 0) -> str:
    """Deterministic random-looking filler."""
    r = random.Random(f"{seed}-{n}-{alphabet}")
    return "".join(r.choice(alphabet) for _ in range(n))


def b64_40(seed: int) -> str:
    """A random 40-char key with '/' and mixed case (the shape of an AWS secret key)."""
    value = rnd(38, B64, seed)
    return value[:10] + "/" + value[10:20] + "K7" + value[20:37]


AWS_ID = "AK" + "IA" + rnd(16, UPPER_DIGITS, 1)
AWS_SECRET = b64_40(2)
GH = "gh" + "p_" + rnd(36, seed=3)
PASSWORD = "Tr0ub4dor" + "-x9Q"                  # a literal password typed by hand
PEM_BODY = "\n".join(rnd(64, B64, s) for s in range(4, 8))
UUID = "3f2b8c1e-9d4a-4b7e-8f3a-1c2d3e4f5a6b"


def pem(kind: str, body: str = PEM_BODY, newline: str = "\n") -> str:
    return (f"-----BEGIN {kind}PRIVATE KEY-----{newline}{body.replace(chr(10), newline)}"
            f"{newline}-----END {kind}PRIVATE KEY-----")


JWT = "ey" + "J" + rnd(20, seed=8) + ".ey" + "J" + rnd(40, seed=9) + "." + rnd(43, seed=10)
SLACK_HOOK = ("https://hooks.slack.com/services/T" + rnd(8, UPPER_DIGITS, 11) + "/B"
              + rnd(8, UPPER_DIGITS, 12) + "/" + rnd(24, seed=13))


# ------------------------------------------------------------------ scan_value: positives

VALUE_POSITIVES = [
    # (value, kind, secret)
    (AWS_ID, "aws-access-key-id", AWS_ID),
    ("AS" + "IA" + rnd(16, UPPER_DIGITS, 20), "aws-access-key-id", None),
    ("AB" + "IA" + rnd(16, UPPER_DIGITS, 21), "aws-access-key-id", None),
    ("A3" + "TX" + rnd(16, UPPER_DIGITS, 22), "aws-access-key-id", None),
    ("the key is " + AWS_ID + " (rotate it)", "aws-access-key-id", AWS_ID),
    (AWS_SECRET, "aws-secret-access-key", AWS_SECRET),
    (rnd(37, seed=23) + "aZ9", "aws-secret-access-key", None),      # mixed case + digit, no '/'
    ("  " + AWS_SECRET + "  ", "aws-secret-access-key", AWS_SECRET),
    (GH, "github-token", GH),
    ("gh" + "o_" + rnd(36, seed=24), "github-token", None),
    ("gh" + "u_" + rnd(36, seed=25), "github-token", None),
    ("gh" + "s_" + rnd(36, seed=26), "github-token", None),
    ("gh" + "r_" + rnd(36, seed=27), "github-token", None),
    ("github" + "_pat_" + rnd(82, ALNUM + "_", 28), "github-token", None),
    ("token " + GH + " here", "github-token", GH),
    ("gl" + "pat-" + rnd(20, ALNUM + "_-", 29), "gitlab-token", None),
    ("np" + "m_" + rnd(36, seed=30), "npm-token", None),
    ("xo" + "xb-" + rnd(12, "0123456789", 31) + "-" + rnd(13, "0123456789", 32) + "-" + rnd(24, seed=33),
     "slack-token", None),
    ("xo" + "xp-" + rnd(11, "0123456789", 34) + "-" + rnd(12, "0123456789", 35) + "-" + rnd(32, HEX, 36),
     "slack-token", None),
    (SLACK_HOOK, "slack-webhook", SLACK_HOOK),
    ("sk" + "_live_" + rnd(24, seed=37), "stripe-key", None),
    ("rk" + "_live_" + rnd(24, seed=38), "stripe-key", None),
    ("sk" + "_test_" + rnd(24, seed=39), "stripe-key", None),
    (pem("RSA "), "private-key", pem("RSA ")),
    (pem("OPENSSH "), "private-key", pem("OPENSSH ")),
    (pem("EC ", newline="\\n"), "private-key", pem("EC ", newline="\\n")),     # JSON-escaped
    (pem(""), "private-key", pem("")),
    (JWT, "jwt", JWT),
    ("https://deploy:" + PASSWORD + "@github.com/org/repo.git", "url-credentials", PASSWORD),
    ("postgres://app:" + PASSWORD + "@db.prod.example-corp.net:5432/app", "url-credentials", PASSWORD),
    ("//registry.npmjs.org/:_auth" + "Token=" + UUID, "npm-token", UUID),
    ("Authorization: Bearer " + rnd(32, seed=40), "auth-header", None),
]


@pytest.mark.parametrize("value, kind, secret", VALUE_POSITIVES)
def test_scan_value_finds(value, kind, secret):
    hit = scan_value(value)
    assert hit is not None and hit.kind == kind
    expected = secret if secret is not None else value[hit.start:hit.end]
    assert value[hit.start:hit.end] == expected
    if secret is None and kind not in ("auth-header",):
        assert expected == value                    # the whole value is the token
    assert hit.description and "{" not in hit.description


# ------------------------------------------------------------------ scan_value: negatives

VALUE_NEGATIVES = [
    "$GITHUB_TOKEN", "${GITHUB_TOKEN}", "$(aws ssm get-parameter --name /ci/token --query P.V --output text)",
    "#{SourceVariables.CommitId}", "{{resolve:secretsmanager:prod/db:SecretString:password}}",
    "{{ github_token }}", "{{cookiecutter.api_key}}", "<your-api-token>", "${{ secrets.NPM_TOKEN }}",
    "%NPM_TOKEN%", "$env:NPM_TOKEN", "/prod/db/password",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf",
    "changeme", "CHANGE_ME", "xxx", "X" * 20, "***", "REPLACE_ME", "your-token-here", "<your token>",
    "dummy", "example", "test", "password", "secret", "none", "null", "",
    "AK" + "IAIOSFODNN7EXAMPLE",                                   # AWS documentation key id
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY",               # AWS documentation secret key
    "AK" + "IA" + "X" * 16, "gh" + "p_" + "x" * 36, "sk" + "_live_" + "X" * 24,
    "AI" + "DA" + rnd(16, UPPER_DIGITS, 50),                        # IAM user id: an id, not a secret
    "AR" + "OA" + rnd(16, UPPER_DIGITS, 51),                        # IAM role id
    "gh" + "p_" + rnd(35, seed=52),                                 # one character short
    rnd(40, HEX, 53),                                               # git commit SHA
    rnd(40, HEX, 54).upper(),
    "sha256:" + rnd(64, HEX, 55),                                   # image digest
    UUID, "s3://my-artifacts-bucket/builds/app-1.2.3.zip", "1.2.3", "v20.11.1", "3.12.0-alpine3.19",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest",
    "ThisIsAVeryLongCamelCaseIdentifierName12",                     # 40 chars, low entropy
    "frontend/build/static/js/main/chunks/abc",                      # 40-char path
    "https://user:$TOKEN@github.com/org/repo.git",
    "https://admin:" + PASSWORD + "@nexus.example.com/repo",          # documentation domain
    "https://x-access-token:${{ secrets.GH_TOKEN }}@github.com/org/repo.git",
    "postgres://postgres:postgres@localhost:5432/test",
    "mongodb://app:" + PASSWORD + "@mongo:27017/test",              # CI service container
    "-----BEGIN RSA PRIVATE KEY-----",                              # header only
    "-----BEGIN RSA PRIVATE KEY-----\n${SSH_KEY}\n-----END RSA PRIVATE KEY-----",
    "//registry.npmjs.org/:_auth" + "Token=${NPM_TOKEN}",
    "Authorization: token ${GITHUB_TOKEN}",
    "!Ref DbPassword",
    None, 42,
]


@pytest.mark.parametrize("value", VALUE_NEGATIVES)
def test_scan_value_ignores(value):
    assert scan_value(value) is None


# ------------------------------------------------------------------ is_reference

@pytest.mark.parametrize("value", [
    "$VAR", "${VAR}", '"${DB_PASSWORD}"', "'$TOKEN'", "$(cat /run/secrets/token)", "`cat token`",
    "#{ns.var}", "{{resolve:ssm-secure:/prod/pw:1}}", "{{ x }}", "<placeholder>", "${{ secrets.X }}",
    "%VAR%", "$env:VAR", "$Env:VAR", "/prod/db/password", "/${TARGET_ENV}/jenkins/admin/password",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x", "arn:aws:ssm:eu-west-1:1:parameter/x",
    "$USER:$TOKEN", "${PREFIX}-${SUFFIX}", "changeme", "XXXX-XXXX", "your_api_key", "put-token-here",
    "AK" + "IAIOSFODNN7EXAMPLE", "", "  ",
])
def test_is_reference_true(value):
    assert is_reference(value)


@pytest.mark.parametrize("value", [
    PASSWORD, "hunter2", AWS_ID, GH, "${HOST}:" + PASSWORD, "prod/db/password", "arnold", "my-real-pass",
])
def test_is_reference_false(value):
    assert not is_reference(value)


# ------------------------------------------------------------------ scan_command: positives

COMMAND_POSITIVES = [
    # (command, kind, secret)
    ("docker login -u bob -p " + PASSWORD + " registry.example-corp.net", "docker-login-password", PASSWORD),
    ("docker login -u bob -p'" + PASSWORD + "' registry.io", "docker-login-password", PASSWORD),
    ("docker login --username bob --password " + PASSWORD + " registry.io", "docker-login-password", PASSWORD),
    ('docker login --username bob --password="' + PASSWORD + '" registry.io', "docker-login-password", PASSWORD),
    ("podman login -u bob -p " + PASSWORD + " quay.io", "docker-login-password", PASSWORD),
    ("helm registry login ghcr.io -u bob --password " + PASSWORD, "docker-login-password", PASSWORD),
    ("mysql -h db -u root -p" + PASSWORD + " app < dump.sql", "password-option", PASSWORD),
    ("mysqldump -u root --password=" + PASSWORD + " app > dump.sql", "password-option", PASSWORD),
    ("curl -u admin:" + PASSWORD + " https://nexus.example-corp.net/repo", "basic-auth", PASSWORD),
    ("curl --user 'admin:" + PASSWORD + "' -X POST https://api.x.io", "basic-auth", PASSWORD),
    ("curl -uadmin:" + PASSWORD + " https://api.x.io", "basic-auth", PASSWORD),
    ("sshpass -p '" + PASSWORD + "' ssh deploy@10.0.0.5", "password-option", PASSWORD),
    ("export AWS_SECRET_ACCESS_KEY=" + AWS_SECRET, "aws-secret-access-key", AWS_SECRET),
    ('export AWS_SECRET_ACCESS_KEY="' + AWS_SECRET + '"', "aws-secret-access-key", AWS_SECRET),
    ("AWS_SECRET_ACCESS_KEY=" + AWS_SECRET + " aws s3 ls", "aws-secret-access-key", AWS_SECRET),
    ("export AWS_ACCESS_KEY_ID=" + AWS_ID, "aws-access-key-id", AWS_ID),
    ("export DB_PASSWORD=" + PASSWORD, "secret-assignment", PASSWORD),
    ("SONAR_TOKEN=" + PASSWORD + " ./gradlew sonar", "secret-assignment", PASSWORD),
    ("aws configure set aws_secret_access_key " + AWS_SECRET, "aws-secret-access-key", AWS_SECRET),
    ("aws configure set --profile ci aws_secret_access_key " + PASSWORD + "Zq81", "aws-secret-access-key",
     PASSWORD + "Zq81"),
    ('echo "//registry.npmjs.org/:_auth' + 'Token=' + UUID + '" > ~/.npmrc', "npm-token", UUID),
    ("npm config set //registry.npmjs.org/:_auth" + "Token " + UUID, "npm-token", UUID),
    ("git clone https://bob:" + PASSWORD + "@github.com/org/repo.git", "url-credentials", PASSWORD),
    ("git clone https://" + GH + "@github.com/org/repo.git", "github-token", GH),
    ("export GITHUB_TOKEN=" + GH, "github-token", GH),
    ("codecov --token=" + UUID + " -F unit", "password-option", UUID),
    ("./deploy.sh --api-key " + PASSWORD, "password-option", PASSWORD),
    ("az login --service-principal -u app --client-secret " + PASSWORD, "password-option", PASSWORD),
    ("kubectl create secret generic db --from-literal=password=" + PASSWORD, "secret-assignment", PASSWORD),
    ("docker build --build-arg NPM_TOKEN=" + PASSWORD + " -t app .", "secret-assignment", PASSWORD),
    ("terraform apply -var 'db_password=" + PASSWORD + "'", "secret-assignment", PASSWORD),
    ("aws cloudformation deploy --stack-name app --parameter-overrides DBPassword=" + PASSWORD,
     "secret-assignment", PASSWORD),
    ("bash -c 'docker login -u bob -p " + PASSWORD + " registry.io'", "docker-login-password", PASSWORD),
    ("export ID=$(curl -s -u admin:" + PASSWORD + " https://api.x.io/id)", "basic-auth", PASSWORD),
    ("openssl enc -d -aes256 -pass pass:" + PASSWORD + " -in a.enc", "password-option", PASSWORD),
    ("keytool -importkeystore -srcstorepass " + PASSWORD + " -deststorepass $P", "password-option", PASSWORD),
    ("curl -H 'Authorization: Bearer " + JWT + "' https://api.x.io", "jwt", JWT),
    ('printf "%s" "' + pem("RSA ", newline="\\n") + '" > id_rsa', "private-key", pem("RSA ", newline="\\n")),
]


@pytest.mark.parametrize("command, kind, secret", COMMAND_POSITIVES)
def test_scan_command_finds(command, kind, secret):
    hits = scan_command(command)
    assert [(h.kind, command[h.start:h.end]) for h in hits] == [(kind, secret)]


def test_scan_command_several_hits_in_order():
    command = ("docker login -u bob -p " + PASSWORD + " r.io && export GITHUB_TOKEN=" + GH)
    hits = scan_command(command)
    assert [h.kind for h in hits] == ["docker-login-password", "github-token"]
    assert [command[h.start:h.end] for h in hits] == [PASSWORD, GH]


def test_scan_command_multiline_block():
    command = "set -e\nexport DB_PASSWORD=" + PASSWORD + "\n./migrate.sh\n"
    (hit,) = scan_command(command)
    assert command[hit.start:hit.end] == PASSWORD


# ------------------------------------------------------------------ scan_command: negatives

COMMAND_NEGATIVES = [
    "docker login -u AWS --password-stdin $REPO",
    "aws ecr get-login-password | docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com",
    "aws ecr get-login-password --region $AWS_REGION | docker login --username AWS --password-stdin ${REPO_URI}",
    "echo $PASSWORD | docker login -u $DOCKER_USER --password-stdin",
    "mysql -h $DB_HOST -u admin --password $DB_PASSWORD app",
    'mysql -h db --password "${DB_PASSWORD}" app',
    "docker login -u AWS -p $(aws ssm get-parameter --name /ci/pw --with-decryption --query Parameter.Value --output text) $REPO",
    'mysql -u root -p"$PW" app',
    'curl -u "$USER:$TOKEN" https://api.x.io',
    "git clone https://$TOKEN@github.com/org/repo.git",
    "npm config set //registry.npmjs.org/:_auth" + "Token $NPM_TOKEN",
    "docker run -p 8080:80 nginx",
    "docker run -d -p 5432:5432 -u 1000:1000 postgres:16",
    "ssh -p 22 deploy@host",
    "pip install -p requirements.txt",
    "mkdir -p /tmp/build",
    "mysql -u root -p app",                              # -p then a database name: prompts
    "psql --password -h db app",                         # psql --password is a switch
    "curl -u admin https://api.x.io",                    # user only: curl prompts
    "git push -u origin main",
    "docker build --secret id=npmrc,src=$HOME/.npmrc -t app .",
    "export AWS_ACCESS_KEY_ID=\"$(echo ${CREDENTIALS} | jq -r '.Credentials.AccessKeyId')\"",
    "export AWS_SECRET_ACCESS_KEY=$(echo \"${TMP_ROLE}\" | jq -r '.Credentials.SecretAccessKey')",
    "aws configure set aws_secret_access_key `./jq -r '.SecretAccessKey' aws_credentials.json`",
    "aws configure set aws_secret_access_key $AWS_SECRET_ACCESS_KEY",
    'echo "//registry.npmjs.org/:_auth' + 'Token=${NPM_TOKEN}" > .npmrc',
    "codecov --token=${CODECOV_TOKEN} --branch=${CODEBUILD_RESOLVED_SOURCE_VERSION}",
    "export DB_PASSWORD=changeme",
    "docker run -d -e POSTGRES_PASSWORD=postgres -p 5432:5432 postgres:16",   # image default
    "helm upgrade app ./chart --set auth.password=$PW --set image.tag=$TAG",
    "aws cloudformation deploy --stack-name app --parameter-overrides DBPassword=$DB_PASSWORD Env=prod",
    "twine upload -u __token__ -p $PYPI_TOKEN dist/*",
    "gh auth login --with-token < token.txt",
    "export DB_PASSWORD=short7x",                        # under 8 characters
    "export TOKEN_URL=https://auth.example-corp.net/oauth/token",
    "export SECRET_ID=prod/db/credentials",
    "export GITHUB_TOKEN_PARAM=/ci/github/token",
    "export KMS_KEY_ID=" + UUID,
    "gpg --batch --passphrase-fd 0 --import private.gpg",
    "sed -i 's|token-password|'\"$ST_PASSWORD\"'|g' $HOME/.m2/settings.xml",
    "git clone https://x-access-token:${GITHUB_TOKEN}@github.com/org/repo.git",
    "grep -q 'BEGIN RSA PRIVATE KEY' ~/.ssh/id_rsa",
    "aws secretsmanager get-secret-value --secret-id prod/token --query SecretString --output text",
    "docker login --username bob --password-file /run/secrets/pw registry.io",
    "docker login -u bob -p <password> registry.io",
    'curl -H "Authorization: token ${GITHUB_TOKEN}" https://api.github.com',
    "git checkout " + rnd(40, HEX, 60),
    "docker pull app@sha256:" + rnd(64, HEX, 61),
    "aws s3 cp s3://bucket/secrets.txt /tmp/secrets.txt",
    'export $(printf "AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s" $(aws sts assume-role --output text))',
]


@pytest.mark.parametrize("command", COMMAND_NEGATIVES)
def test_scan_command_ignores(command):
    assert scan_command(command) == []


# ------------------------------------------------------------------ secret_name

@pytest.mark.parametrize("name", [
    "PASSWORD", "DB_PASSWORD", "db_passwd", "DB_PASS", "DB_PWD", "SECRET", "CLIENT_SECRET", "TOKEN",
    "GITHUB_TOKEN", "apiKey", "API_KEY", "APIKEY", "x-api-key", "AWS_SECRET_ACCESS_KEY", "ACCESS_KEY",
    "PRIVATE_KEY", "AUTH_KEY", "CREDENTIALS", "SESSION_KEY", "_authToken", "OAuthToken", "DBPassword",
    "GPG_PASSPHRASE", "SSH_PRIVATE_KEY", "SECRET_KEY_BASE", "DB_PASSWORD_2", "auth.password",
])
def test_secret_name_true(name):
    assert secret_name(name)


@pytest.mark.parametrize("name", [
    "PWD", "KEY", "DB_PASSWORD_ARN", "SECRET_NAME", "SECRET_ID", "AWS_ACCESS_KEY_ID", "KMS_KEY_ID",
    "TOKEN_URL", "TOKEN_ENDPOINT", "PASSWORD_PATH", "TOKEN_FILE", "DATABASE_URL", "PASSWORD_PARAM",
    "TOKEN_PARAMETER", "SECRET_SSM", "PASSWORD_LENGTH", "TOKEN_TTL", "TOKEN_EXPIRY", "TOKEN_TYPE",
    "API_KEY_HEADER", "PASSWORD_POLICY", "SECRET_ROTATION", "KEY_NAME", "KEY_PAIR", "PUBLIC_KEY",
    "SECRETS_MANAGER_SECRET", "USE_TOKEN", "ENABLE_SECRET", "TOKEN_ENABLED", "NO_PASSWORD", "SKIP_TOKEN",
    "AUTH_MODE", "SECRET_VERSION", "CACHE_KEY", "S3_KEY", "OBJECT_KEY", "BUCKET_KEY", "SORT_KEY",
    "PARTITION_KEY", "PRIMARY_KEY", "CACHE_KEY_PREFIX", "MAX_TOKENS", "git-credential-helper",
    "PRIVATE_KEY_PATH", "USERNAME", "IMAGE_TAG",
])
def test_secret_name_false(name):
    assert not secret_name(name)


# ------------------------------------------------------------------ redact, entropy, SecretHit

@pytest.mark.parametrize("secret, shown", [
    ("gh" + "p_R7abcdefghijklmnopqrstuvwxyz0123456789", "ghp_…(42 chars)"),
    ("hunter2", "…(7 chars)"),
    ("abcdefghijkl", "abcd…(12 chars)"),
    ("abcdefghijk", "…(11 chars)"),
    ("", "…(0 chars)"),
])
def test_redact(secret, shown):
    assert redact(secret) == shown


def test_redact_never_reveals_more_than_four_characters():
    assert AWS_SECRET[4:8] not in redact(AWS_SECRET)


@pytest.mark.parametrize("value, bits", [("", 0.0), ("aaaa", 0.0), ("ab", 1.0), ("abcd", 2.0), ("aabb", 1.0)])
def test_entropy(value, bits):
    assert entropy(value) == pytest.approx(bits)


def test_random_tokens_have_high_entropy():
    assert len(AWS_SECRET) == 40 and entropy(AWS_SECRET) > 4.3 and entropy(GH) > 4.0


def test_hit_is_frozen():
    hit = scan_value(GH)
    assert isinstance(hit, SecretHit)
    with pytest.raises(AttributeError):
        hit.start = 0  # type: ignore[misc]


def test_module_uses_only_re_math_dataclasses_functools():
    tree = ast.parse(open(linter.secrets.__file__, encoding="utf-8").read())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= {"__future__", "re", "math", "dataclasses", "functools"}
