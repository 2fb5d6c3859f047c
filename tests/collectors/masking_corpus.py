"""Real-shaped command lines and how they must look once masked (collectors/privacy.py).

Each case is (arguments as /proc/PID/cmdline gives them, the masked arguments). The shapes are
those of real invocations of each tool; the secrets are made up. The last group must come out
unchanged: masking must not hide what is not a secret.
"""

from __future__ import annotations

M = "***"

Case = tuple[list[str], list[str]]


def same(*arguments: str) -> Case:
    """A command line that must come out unchanged."""
    return list(arguments), list(arguments)


CORPUS: list[Case] = [
    # -- generic flags: --*pass*, --*token*, --*secret*, --*key*, with = or a separate value ---
    (["app", "--password=hunter2"], ["app", f"--password={M}"]),
    (["app", "--password", "hunter2", "-v"], ["app", "--password", M, "-v"]),
    (["app", "--db-password", "x1"], ["app", "--db-password", M]),
    (["app", "--client-secret", "s3"], ["app", "--client-secret", M]),
    (["app", "--api-key=k", "--apikey", "k2"], ["app", f"--api-key={M}", "--apikey", M]),
    (
        ["app", "--auth-token=abc", "--refresh_token", "def"],
        ["app", f"--auth-token={M}", "--refresh_token", M],
    ),
    (["app", "--secret-key", "0xdeadbeef"], ["app", "--secret-key", M]),
    (
        ["app", "--privateKey", "k", "--accessToken=t"],
        ["app", "--privateKey", M, f"--accessToken={M}"],
    ),
    (["app", "-password", "pw"], ["app", "-password", M]),
    (["app", "--passphrase", "correct horse"], ["app", "--passphrase", M]),
    (["app", "--session-key", "abcdef"], ["app", "--session-key", M]),
    (["app", "--credentials", "user:pw"], ["app", "--credentials", M]),
    (
        ["gpg", "--batch", "--passphrase", "pp", "-d", "f.gpg"],
        ["gpg", "--batch", "--passphrase", M, "-d", "f.gpg"],
    ),
    (
        ["java", "-Djavax.net.ssl.keyStorePassword=changeit", "-jar", "app.jar"],
        ["java", f"-Djavax.net.ssl.keyStorePassword={M}", "-jar", "app.jar"],
    ),
    (
        ["java", "-Dspring.datasource.password=pw", "-Dserver.port=8080", "-jar", "a.jar"],
        ["java", f"-Dspring.datasource.password={M}", "-Dserver.port=8080", "-jar", "a.jar"],
    ),
    (["node", "server.js", "--jwt-secret=abc123"], ["node", "server.js", f"--jwt-secret={M}"]),
    (["app", "--password=a,b&c d"], ["app", f"--password={M}"]),
    # -- -u user:pw ------------------------------------------------------------------------------
    (
        ["curl", "-u", "alice:pw", "https://api.example.com/"],
        ["curl", "-u", f"alice:{M}", "https://api.example.com/"],
    ),
    (["curl", "--user", "bob:p:w:d", "https://h/"], ["curl", "--user", f"bob:{M}", "https://h/"]),
    (
        ["curl", "--proxy-user", "px:secret", "-x", "http://proxy:3128", "https://h"],
        ["curl", "--proxy-user", f"px:{M}", "-x", "http://proxy:3128", "https://h"],
    ),
    (
        ["wget", "--user=bob", "--password=pw", "ftp://h/f"],
        ["wget", "--user=bob", f"--password={M}", "ftp://h/f"],
    ),
    (
        ["skopeo", "copy", "--creds", "me:tok", "docker://a", "docker://b"],
        ["skopeo", "copy", "--creds", f"me:{M}", "docker://a", "docker://b"],
    ),
    # -- Authorization and other secret headers --------------------------------------------------
    (
        ["curl", "-H", "Authorization: Bearer eyJhbGciOi", "https://api/x"],
        ["curl", "-H", f"Authorization: Bearer {M}", "https://api/x"],
    ),
    (
        ["curl", "-H", "authorization:Basic dXNlcjpwdw==", "https://api/x"],
        ["curl", "-H", f"authorization:Basic {M}", "https://api/x"],
    ),
    (
        ["curl", "-H", "X-API-Key: k-123", "-H", "Accept: application/json", "https://api"],
        ["curl", "-H", f"X-API-Key: {M}", "-H", "Accept: application/json", "https://api"],
    ),
    (
        ["curl", "-H", "PRIVATE-TOKEN: glpat-xyz", "https://gitlab/api/v4"],
        ["curl", "-H", f"PRIVATE-TOKEN: {M}", "https://gitlab/api/v4"],
    ),
    (
        ["curl", "-H", "Cookie: session=abc; theme=dark", "https://h"],
        ["curl", "-H", f"Cookie: {M}", "https://h"],
    ),
    (["curl", "-b", "sid=abc", "https://h"], ["curl", "-b", M, "https://h"]),
    (["curl", "--oauth2-bearer", "tok", "https://h"], ["curl", "--oauth2-bearer", M, "https://h"]),
    (
        ["curl", "-E", "client.pem:certpw", "https://h"],
        ["curl", "-E", f"client.pem:{M}", "https://h"],
    ),
    (
        ["wget", "--header=Authorization: Token abc", "https://h/f"],
        ["wget", f"--header=Authorization: Token {M}", "https://h/f"],
    ),
    (
        ["git", "-c", "http.extraHeader=Authorization: Basic Zm9vOmJhcg==", "fetch"],
        ["git", "-c", f"http.extraHeader=Authorization: Basic {M}", "fetch"],
    ),
    (
        ["http", "GET", "https://api/x", "Authorization:Bearer abc"],
        ["http", "GET", "https://api/x", f"Authorization:Bearer {M}"],
    ),
    # -- URL user-info -----------------------------------------------------------------------------
    (["psql", "postgresql://bob:pw@db:5432/app"], ["psql", f"postgresql://bob:{M}@db:5432/app"]),
    (
        ["psql", "postgres://bob:p@ss/w0rd@db.internal:5432/x"],
        ["psql", f"postgres://bob:{M}@db.internal:5432/x"],
    ),
    (
        ["psql", "postgres://bob:pw@db/x?application_name=a@b"],
        ["psql", f"postgres://bob:{M}@db/x?application_name=a@b"],
    ),
    (
        ["redis-cli", "-u", "redis://:rpw@cache:6379/0"],
        ["redis-cli", "-u", f"redis://:{M}@cache:6379/0"],
    ),
    (
        ["mongosh", "mongodb+srv://app:mpw@cluster0.x.mongodb.net/db"],
        ["mongosh", f"mongodb+srv://app:{M}@cluster0.x.mongodb.net/db"],
    ),
    (
        ["git", "clone", "https://oauth2:glpat-abcdefghijklmnop@gitlab.com/g/p.git"],
        ["git", "clone", f"https://oauth2:{M}@gitlab.com/g/p.git"],
    ),
    (
        ["git", "clone", "https://ghp_abcdefghijklmnopqrstuvwxyz0123@github.com/o/r"],
        ["git", "clone", f"https://{M}@github.com/o/r"],
    ),
    (
        ["celery", "-A", "proj", "worker", "--broker", "amqp://guest:gpw@rabbit:5672//"],
        ["celery", "-A", "proj", "worker", "--broker", f"amqp://guest:{M}@rabbit:5672//"],
    ),
    (
        ["curl", "-x", "http://u:ppw@proxy:3128", "https://h"],
        ["curl", "-x", f"http://u:{M}@proxy:3128", "https://h"],
    ),
    (
        ["lftp", "sftp://deploy:d3p@files.example.org"],
        ["lftp", f"sftp://deploy:{M}@files.example.org"],
    ),
    # -- KEY=value pairs --------------------------------------------------------------------------
    (["env", "PGPASSWORD=pw", "psql", "-h", "db"], ["env", f"PGPASSWORD={M}", "psql", "-h", "db"]),
    (
        ["env", "AWS_SECRET_ACCESS_KEY=abc/def", "AWS_REGION=eu-west-1", "aws", "s3", "ls"],
        ["env", f"AWS_SECRET_ACCESS_KEY={M}", "AWS_REGION=eu-west-1", "aws", "s3", "ls"],
    ),
    (
        ["env", "GITHUB_TOKEN=t", "MYSQL_PWD=p", "make"],
        ["env", f"GITHUB_TOKEN={M}", f"MYSQL_PWD={M}", "make"],
    ),
    (
        ["docker", "run", "-e", "POSTGRES_PASSWORD=pw", "-e", "TZ=UTC", "postgres:16"],
        ["docker", "run", "-e", f"POSTGRES_PASSWORD={M}", "-e", "TZ=UTC", "postgres:16"],
    ),
    (
        ["docker", "build", "--build-arg", "NPM_TOKEN=npmtok", "."],
        ["docker", "build", "--build-arg", f"NPM_TOKEN={M}", "."],
    ),
    (
        ["terraform", "apply", "-var", "db_password=pw", "-var", "region=eu"],
        ["terraform", "apply", "-var", f"db_password={M}", "-var", "region=eu"],
    ),
    (
        ["curl", "https://h/x?a=1&access_token=zz&b=2"],
        ["curl", f"https://h/x?a=1&access_token={M}&b=2"],
    ),
    (
        ["curl", "-d", "username=bob&password=pw&remember=1", "https://h/login"],
        ["curl", "-d", f"username=bob&password={M}&remember=1", "https://h/login"],
    ),
    (
        ["mount", "-t", "cifs", "//srv/share", "/mnt", "-o", "username=bob,password=pw,uid=1000"],
        ["mount", "-t", "cifs", "//srv/share", "/mnt", "-o", f"username=bob,password={M},uid=1000"],
    ),
    (
        ["psql", "host=db user=app password=pw dbname=x"],
        ["psql", f"host=db user=app password={M} dbname=x"],
    ),
    (
        ["kubectl", "create", "secret", "generic", "db", "--from-literal=password=pw"],
        ["kubectl", "create", "secret", "generic", "db", f"--from-literal=password={M}"],
    ),
    (
        ["npm", "publish", "--//registry.npmjs.org/:_authToken=npm_tok"],
        ["npm", "publish", f"--//registry.npmjs.org/:_authToken={M}"],
    ),
    (
        ["az", "storage", "blob", "list", "--sas-token", "sv=2022&sig=abc"],
        ["az", "storage", "blob", "list", "--sas-token", M],
    ),
    (
        ["curl", "https://acct.blob.core.windows.net/c/f?sv=2022-11-02&sp=r&sig=AbC%2Bd"],
        ["curl", f"https://acct.blob.core.windows.net/c/f?sv=2022-11-02&sp=r&sig={M}"],
    ),
    # -- JSON -----------------------------------------------------------------------------------
    (
        ["app", "--config", '{"user": "a", "password": "pw", "port": 5}'],
        ["app", "--config", f'{{"user": "a", "password": "{M}", "port": 5}}'],
    ),
    (
        [
            "aws",
            "secretsmanager",
            "create-secret",
            "--secret-string",
            '{"username":"a","password":"pw"}',
        ],
        ["aws", "secretsmanager", "create-secret", "--secret-string", M],
    ),
    (
        [
            "aws",
            "rds",
            "create-db-instance",
            "--cli-input-json",
            '{"MasterUserPassword": "pw", "Engine": "postgres"}',
        ],
        [
            "aws",
            "rds",
            "create-db-instance",
            "--cli-input-json",
            f'{{"MasterUserPassword": "{M}", "Engine": "postgres"}}',
        ],
    ),
    (
        ["ansible-playbook", "site.yml", "-e", '{"ansible_become_pass": "pw", "env": "prod"}'],
        ["ansible-playbook", "site.yml", "-e", f'{{"ansible_become_pass": "{M}", "env": "prod"}}'],
    ),
    (
        ["python", "job.py", "{'api_key': 'k', 'pin': 1}"],
        ["python", "job.py", f"{{'api_key': '{M}', 'pin': 1}}"],
    ),
    (["app", '{"token": 12345}'], ["app", f'{{"token": "{M}"}}']),
    # -- database clients -----------------------------------------------------------------------
    (["mysql", "-u", "root", "-pS3cret", "app"], ["mysql", "-u", "root", f"-p{M}", "app"]),
    (["mysql", "-uroot", "-p", "x", "-h", "db"], ["mysql", "-uroot", "-p", M, "-h", "db"]),
    (
        ["/usr/bin/mysqldump", "--user=app", "--password=pw", "--single-transaction", "app"],
        ["/usr/bin/mysqldump", "--user=app", f"--password={M}", "--single-transaction", "app"],
    ),
    (["mysqladmin", "-uroot", "-ppw", "status"], ["mysqladmin", "-uroot", f"-p{M}", "status"]),
    (
        ["mariadb", "-h", "db", "-P", "3306", "-pmpw"],
        ["mariadb", "-h", "db", "-P", "3306", f"-p{M}"],
    ),
    (
        ["mysql", "-e", "CREATE USER 'u'@'%' IDENTIFIED BY 'pw'"],
        ["mysql", "-e", f"CREATE USER 'u'@'%' IDENTIFIED BY '{M}'"],
    ),
    (
        ["psql", "-c", "ALTER USER app WITH PASSWORD 'pw'"],
        ["psql", "-c", f"ALTER USER app WITH PASSWORD '{M}'"],
    ),
    (
        [
            "mongosh",
            "--host",
            "db",
            "-u",
            "admin",
            "-p",
            "mpw",
            "--authenticationDatabase",
            "admin",
        ],
        ["mongosh", "--host", "db", "-u", "admin", "-p", M, "--authenticationDatabase", "admin"],
    ),
    (
        ["mongodump", "--uri", "mongodb://u:pw@db/x", "--out", "/backup"],
        ["mongodump", "--uri", f"mongodb://u:{M}@db/x", "--out", "/backup"],
    ),
    (
        ["sqlcmd", "-S", "db", "-U", "sa", "-P", "Sapw1", "-Q", "SELECT 1"],
        ["sqlcmd", "-S", "db", "-U", "sa", "-P", M, "-Q", "SELECT 1"],
    ),
    (["sqlplus", "scott/tiger@orcl"], ["sqlplus", f"scott/{M}@orcl"]),
    (
        ["expdp", "system/manager", "directory=dp", "dumpfile=x.dmp"],
        ["expdp", f"system/{M}", "directory=dp", "dumpfile=x.dmp"],
    ),
    (
        ["influx", "-username", "admin", "-password", "ipw"],
        ["influx", "-username", "admin", "-password", M],
    ),
    (
        ["influx", "query", "-t", "itok", 'from(bucket:"b")'],
        ["influx", "query", "-t", M, 'from(bucket:"b")'],
    ),
    # -- redis --------------------------------------------------------------------------------
    (
        ["redis-cli", "-h", "cache", "-a", "rpw", "ping"],
        ["redis-cli", "-h", "cache", "-a", M, "ping"],
    ),
    (["redis-cli", "--user", "app", "--pass", "rpw"], ["redis-cli", "--user", "app", "--pass", M]),
    (
        ["redis-cli", "CONFIG", "SET", "requirepass", "newpw"],
        ["redis-cli", "CONFIG", "SET", "requirepass", M],
    ),
    (["redis-cli", "AUTH", "app", "rpw"], ["redis-cli", "AUTH", M, M]),
    (
        ["redis-server", "--requirepass", "rpw", "--port", "6379"],
        ["redis-server", "--requirepass", M, "--port", "6379"],
    ),
    # -- docker and registries ------------------------------------------------------------------
    (
        ["docker", "login", "-u", "me", "-p", "dpw", "registry.example.org"],
        ["docker", "login", "-u", "me", "-p", M, "registry.example.org"],
    ),
    (
        ["docker", "login", "--username", "me", "--password", "dpw"],
        ["docker", "login", "--username", "me", "--password", M],
    ),
    (["podman", "login", "-pdpw", "quay.io"], ["podman", "login", f"-p{M}", "quay.io"]),
    (
        ["helm", "repo", "add", "r", "https://charts", "--username", "u", "--password", "hpw"],
        ["helm", "repo", "add", "r", "https://charts", "--username", "u", "--password", M],
    ),
    (
        ["oc", "login", "-u", "dev", "-p", "opw", "https://api.cluster:6443"],
        ["oc", "login", "-u", "dev", "-p", M, "https://api.cluster:6443"],
    ),
    # -- ssh tools, openssl, htpasswd ------------------------------------------------------------
    (
        ["sshpass", "-p", "spw", "ssh", "-p", "2222", "user@host"],
        ["sshpass", "-p", M, "ssh", "-p", "2222", "user@host"],
    ),
    (["sshpass", "-pspw", "scp", "f", "host:/tmp"], ["sshpass", f"-p{M}", "scp", "f", "host:/tmp"]),
    (
        ["ssh-keygen", "-t", "ed25519", "-N", "newpp", "-f", "/root/.ssh/id"],
        ["ssh-keygen", "-t", "ed25519", "-N", M, "-f", "/root/.ssh/id"],
    ),
    (
        ["ssh-keygen", "-p", "-P", "oldpp", "-N", "newpp", "-f", "k"],
        ["ssh-keygen", "-p", "-P", M, "-N", M, "-f", "k"],
    ),
    (
        ["openssl", "enc", "-aes-256-cbc", "-k", "opw", "-in", "f", "-out", "f.enc"],
        ["openssl", "enc", "-aes-256-cbc", "-k", M, "-in", "f", "-out", "f.enc"],
    ),
    (
        ["openssl", "pkcs12", "-export", "-passout", "pass:opw", "-in", "c.pem"],
        ["openssl", "pkcs12", "-export", "-passout", M, "-in", "c.pem"],
    ),
    (
        ["openssl", "rsa", "-in", "k.pem", "-passin", "env:KEYPW"],
        ["openssl", "rsa", "-in", "k.pem", "-passin", M],
    ),
    (
        ["openssl", "enc", "-d", "-aes128", "-K", "00112233", "-iv", "0a0b"],
        ["openssl", "enc", "-d", "-aes128", "-K", M, "-iv", "0a0b"],
    ),
    (
        ["htpasswd", "-b", "/etc/nginx/users", "alice", "hpw"],
        ["htpasswd", "-b", "/etc/nginx/users", "alice", M],
    ),
    (["htpasswd", "-bcB", "users", "bob", "hpw"], ["htpasswd", "-bcB", "users", "bob", M]),
    (["htpasswd", "-nb", "carol", "hpw"], ["htpasswd", "-nb", "carol", M]),
    (["htpasswd", "-c", "users", "dave"], ["htpasswd", "-c", "users", "dave"]),
    # -- cloud and secret CLIs --------------------------------------------------------------------
    (
        ["aws", "configure", "set", "aws_secret_access_key", "abc/def+g"],
        ["aws", "configure", "set", "aws_secret_access_key", M],
    ),
    (
        ["az", "login", "--service-principal", "-u", "app-id", "-p", "azpw", "--tenant", "t"],
        ["az", "login", "--service-principal", "-u", "app-id", "-p", M, "--tenant", "t"],
    ),
    (
        ["az", "ad", "sp", "create-for-rbac", "--password", "azpw"],
        ["az", "ad", "sp", "create-for-rbac", "--password", M],
    ),
    (
        ["gcloud", "sql", "users", "set-password", "root", "--host=%", "--password=gpw"],
        ["gcloud", "sql", "users", "set-password", "root", "--host=%", f"--password={M}"],
    ),
    (
        ["kubectl", "--token", "ktok", "--server", "https://k8s:6443", "get", "pods"],
        ["kubectl", "--token", M, "--server", "https://k8s:6443", "get", "pods"],
    ),
    (["vault", "login", "hvs.CAESIJabcdefghijklmnopqrstuvwxyz"], ["vault", "login", M]),
    (
        ["vault", "login", "-method=userpass", "username=bob", "password=vpw"],
        ["vault", "login", "-method=userpass", "username=bob", f"password={M}"],
    ),
    (
        ["vault", "write", "auth/approle/login", "role_id=r", "secret_id=s"],
        ["vault", "write", "auth/approle/login", "role_id=r", f"secret_id={M}"],
    ),
    (
        ["mc", "alias", "set", "minio", "http://minio:9000", "AKIAEXAMPLE", "miniosecret"],
        ["mc", "alias", "set", "minio", "http://minio:9000", M, M],
    ),
    (
        [
            "rclone",
            "config",
            "create",
            "s3r",
            "s3",
            "access_key_id",
            "AKIA",
            "secret_access_key",
            "rs",
        ],
        ["rclone", "config", "create", "s3r", "s3", "access_key_id", M, "secret_access_key", M],
    ),
    (
        ["nmcli", "dev", "wifi", "connect", "HomeNet", "password", "wifipw"],
        ["nmcli", "dev", "wifi", "connect", "HomeNet", "password", M],
    ),
    (["wpa_passphrase", "HomeNet", "wifipw"], ["wpa_passphrase", "HomeNet", M]),
    (
        ["ldapsearch", "-x", "-D", "cn=admin,dc=ex", "-w", "lpw", "-b", "dc=ex"],
        ["ldapsearch", "-x", "-D", "cn=admin,dc=ex", "-w", M, "-b", "dc=ex"],
    ),
    (
        ["ipmitool", "-I", "lanplus", "-H", "bmc", "-U", "admin", "-P", "ipw", "power", "status"],
        ["ipmitool", "-I", "lanplus", "-H", "bmc", "-U", "admin", "-P", M, "power", "status"],
    ),
    (["smbclient", "//srv/share", "-U", "bob%spw"], ["smbclient", "//srv/share", "-U", f"bob%{M}"]),
    (
        ["lftp", "-u", "deploy,lpw", "ftp.example.org"],
        ["lftp", "-u", f"deploy,{M}", "ftp.example.org"],
    ),
    (["7z", "a", "-pzpw", "backup.7z", "dir"], ["7z", "a", f"-p{M}", "backup.7z", "dir"]),
    (["zip", "-P", "zpw", "-r", "b.zip", "dir"], ["zip", "-P", M, "-r", "b.zip", "dir"]),
    (
        ["xfreerdp", "/v:host", "/u:admin", "/p:rdppw"],
        ["xfreerdp", "/v:host", "/u:admin", f"/p:{M}"],
    ),
    (
        ["mosquitto_pub", "-h", "broker", "-u", "dev", "-P", "mpw", "-t", "t", "-m", "hi"],
        ["mosquitto_pub", "-h", "broker", "-u", "dev", "-P", M, "-t", "t", "-m", "hi"],
    ),
    (["snmpwalk", "-v2c", "-c", "community", "switch1"], ["snmpwalk", "-v2c", "-c", M, "switch1"]),
    # -- token shapes whatever carries them --------------------------------------------------------
    (["deploy", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"], ["deploy", M]),
    (["bot", "--slack", "xoxb-1234567890-abcdefghij"], ["bot", "--slack", M]),
    (["app", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig_part"], ["app", M]),
    (
        ["stripe", "listen", "--api-key", "sk_live_abcdefghijkl"],
        ["stripe", "listen", "--api-key", M],
    ),
    (
        ["app", "--ca", "x", "-----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY-----"],
        ["app", "--ca", "x", M],
    ),
    # -- a command inside one argument ---------------------------------------------------------
    (["sh", "-c", "mysql --password x -h db"], ["sh", "-c", f"mysql --password {M} -h db"]),
    (
        ["bash", "-c", "PGPASSWORD=pw pg_dump -h db app | gzip > /b/app.gz"],
        ["bash", "-c", f"PGPASSWORD={M} pg_dump -h db app | gzip > /b/app.gz"],
    ),
    (
        ["sh", "-c", "curl -s -H 'Authorization: Bearer tok' https://api/x && echo ok"],
        ["sh", "-c", f"curl -s -H 'Authorization: Bearer {M}' https://api/x && echo ok"],
    ),
    (["sh", "-c", "echo hi;mysql -uroot -pQpw db"], ["sh", "-c", f"echo hi;mysql -uroot -p{M} db"]),
    (
        ["sudo", "-u", "postgres", "sh", "-c", "psql 'postgresql://a:pw@h/db'"],
        ["sudo", "-u", "postgres", "sh", "-c", f"psql 'postgresql://a:{M}@h/db'"],
    ),
    (
        ["su", "-c", "redis-cli -a rpw shutdown", "redis"],
        ["su", "-c", f"redis-cli -a {M} shutdown", "redis"],
    ),
    (
        ["bash", "-c", 'sh -c "docker login -p dpw reg"'],
        ["bash", "-c", f'sh -c "docker login -p {M} reg"'],
    ),
    (
        ["kubectl", "exec", "pod", "--", "mysql", "-pKpw", "-e", "select 1"],
        ["kubectl", "exec", "pod", "--", "mysql", f"-p{M}", "-e", "select 1"],
    ),
    (
        ["docker", "exec", "db", "mysql", "-uroot", "-pDpw"],
        ["docker", "exec", "db", "mysql", "-uroot", f"-p{M}"],
    ),
    (
        ["timeout", "30", "sshpass", "-p", "spw", "ssh", "host"],
        ["timeout", "30", "sshpass", "-p", M, "ssh", "host"],
    ),
    (
        ["/bin/sh -c curl -u ops:opw https://h/health"],
        [f"/bin/sh -c curl -u ops:{M} https://h/health"],
    ),
    (
        ["cron", "-c", "env API_TOKEN=tok /opt/job --verbose"],
        ["cron", "-c", f"env API_TOKEN={M} /opt/job --verbose"],
    ),
    # -- must stay as they are ---------------------------------------------------------------
    same("ls", "-la", "/home/user/passwords"),
    same("python", "-m", "http.server", "8000"),
    same("git", "clone", "https://github.com/a/b"),
    same("ssh", "-p", "22", "-i", "/home/u/.ssh/id_ed25519", "user@host"),
    same("docker", "run", "-p", "8080:80", "-u", "1000:1000", "--rm", "nginx:1.25"),
    same("kubectl", "get", "pods", "--user", "admin-ctx"),
    same("grep", "-r", "password", "/etc/app"),
    same("passwd", "alice"),
    same("psql", "--no-password", "-h", "db", "-U", "app"),
    same("docker", "login", "--password-stdin", "-u", "me", "reg.io"),
    same("curl", "https://host:8080/u?mail=a@b.com"),
    same("nginx: worker process"),
    same("postgres: app mydb 10.0.0.5(51234) idle"),
    same("[kworker/3:1-events]"),
    same(
        "python",
        "-m",
        "vllm.entrypoints.api_server",
        "--max-num-batched-tokens",
        "8192",
        "--tokenizer",
        "meta-llama/Llama-3-8B",
    ),
    same("app", "--key-file", "/etc/app/key.pem", "--token-url", "https://idp/token"),
    same("git", "log", "--author=alice", "--since=2.weeks"),
    same("openssl", "x509", "-in", "cert.pem", "-noout", "-text"),
    same("gpg", "--recv-keys", "0xABCDEF"),
    same("cd", "/home/app", "&&", "PWD=/home/app", "make"),
    same("sleep", "600"),
    same("/usr/sbin/sshd", "-D", "-o", "AuthorizedKeysFile=.ssh/authorized_keys"),
    same("gunicorn", "-c", "gunicorn.conf.py", "-b", "127.0.0.1:8050", "wsgi:app"),
    same("htpasswd", "-D", "users", "alice"),
]
