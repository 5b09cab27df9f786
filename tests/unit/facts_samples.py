"""Recorded command output of four typical hosts, and helpers to build check contexts.

The raw texts are what the collector's snippets print on these systems; they go through the
collector's own parsers (``posture.collect.facts.registry``), so the checks are tested on the same
value shapes a real scan produces.

Hosts:
    deb12   Debian 12.7 (bookworm), Apache 2.4.62, OpenSSH 9.2p1 defaults, pam_unix only.
    u1204   Ubuntu 12.04.5 LTS, Apache 2.2.22, vsftpd and telnetd (inetd), root SSH login,
            an account with an empty password; ``ss`` there is too old for ``-H``.
    u2204   Ubuntu 22.04.5 LTS, hardened: keys only, no root login, pwquality minlen 15.
    rhel7   RHEL 7.9, httpd 2.4.6 without ServerTokens, OpenSSH 7.4 with CBC ciphers,
            PASS_MAX_DAYS 90.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from checks.base import CheckContext
from posture.collect.facts.registry import BY_KEY
from posture.models import Fact, FactStatus

SCAN_TIME = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
SCAN_DAY = 20782  # days since 1970-01-01 on SCAN_TIME
HOST_TIME = "1795600800\n"

# --------------------------------------------------------------------------- Debian 12
DEB12_OS_RELEASE = '''PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
'''
DEB12_VERSION_FILES = "/etc/debian_version\t12.7\n"
DEB12_PACKAGES = """manager dpkg
apache2\t2.4.62-1~deb12u2
apache2-bin\t2.4.62-1~deb12u2
libssl3\t3.0.15-1~deb12u1
mariadb-server\t1:10.11.6-0+deb12u1
openssh-client\t1:9.2p1-2+deb12u3
openssh-server\t1:9.2p1-2+deb12u3
openssl\t3.0.15-1~deb12u1
sudo\t1.9.13p3-1+deb12u1
"""
DEB12_APACHE_V = """Server version: Apache/2.4.62 (Debian)
Server built:   2024-10-04T15:21:08
"""
DEB12_APACHE_CONFIG = """/etc/apache2/apache2.conf:115:User ${APACHE_RUN_USER}
/etc/apache2/apache2.conf:116:Group ${APACHE_RUN_GROUP}
/etc/apache2/conf-enabled/security.conf:25:ServerTokens OS
/etc/apache2/conf-enabled/security.conf:36:ServerSignature On
/etc/apache2/conf-enabled/security.conf:51:TraceEnable Off
"""
DEB12_PS = """root           1       0 systemd
root           2       0 kthreadd
root         402       1 systemd-journal
root         612       1 sshd
mysql        650       1 mariadbd
root         701       1 apache2
www-data     702     701 apache2
www-data     703     701 apache2
root        1200     612 sshd
auditor     1205    1200 sshd
auditor     1206    1205 sh
auditor     1210    1206 ps
"""
_SSHD_COMMON = """addressfamily any
listenaddress [::]:22
listenaddress 0.0.0.0:22
usepam yes
logingracetime 120
maxauthtries 6
maxsessions 10
clientaliveinterval 0
clientalivecountmax 3
ignorerhosts yes
hostbasedauthentication no
pubkeyauthentication yes
kerberosauthentication no
gssapiauthentication no
printmotd no
x11forwarding yes
strictmodes yes
permitemptypasswords no
usedns no
allowtcpforwarding yes
pidfile /run/sshd.pid
loglevel INFO
syslogfacility AUTH
authorizedkeysfile .ssh/authorized_keys .ssh/authorized_keys2
hostkey /etc/ssh/ssh_host_rsa_key
hostkey /etc/ssh/ssh_host_ecdsa_key
hostkey /etc/ssh/ssh_host_ed25519_key
acceptenv LANG
acceptenv LC_*
maxstartups 10:30:100
permittunnel no
ipqos lowdelay throughput
rekeylimit 0 0
permitopen any
"""
_MODERN_KEYS = ("ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,"
                "ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,"
                "sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,"
                "rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,"
                "ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,"
                "sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,"
                "rsa-sha2-256")
DEB12_SSHD_T = "port 22\n" + _SSHD_COMMON + f"""permitrootlogin without-password
passwordauthentication yes
kbdinteractiveauthentication no
ciphers chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com
macs umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1
kexalgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256
hostkeyalgorithms {_MODERN_KEYS}
pubkeyacceptedalgorithms {_MODERN_KEYS}
authenticationmethods any
subsystem sftp /usr/lib/openssh/sftp-server
"""
DEB12_PASSWD = """root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
sync:x:4:65534:sync:/bin:/bin/sync
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin
messagebus:x:100:107::/nonexistent:/usr/sbin/nologin
sshd:x:101:65534::/run/sshd:/usr/sbin/nologin
mysql:x:102:110:MariaDB Server,,,:/nonexistent:/bin/false
debian:x:1000:1000:Debian,,,:/home/debian:/bin/bash
deploy:x:1001:1001::/home/deploy:/bin/bash
auditor:x:1002:1002::/home/auditor:/bin/bash
"""
# Rendered by the collector's awk: name:state:lastchg:min:max:warn:inactive:expire
DEB12_SHADOW = """root:set:19900:0:99999:7::
daemon:none:19800:0:99999:7::
bin:none:19800:0:99999:7::
sys:none:19800:0:99999:7::
sync:none:19800:0:99999:7::
www-data:none:19800:0:99999:7::
nobody:none:19800:0:99999:7::
systemd-network:none:19800:::::
messagebus:none:19800:::::
sshd:none:19800:::::
mysql:none:19800:::::
debian:set:20727:0:99999:7::
deploy:locked:20253:0:99999:7::
auditor:locked:20253:0:99999:7::
"""
DEB12_LOGIN_DEFS = """MAIL_DIR        /var/mail
FTMP_FILE\t/var/log/btmp
SU_NAME\t\tsu
HUSHLOGIN_FILE\t.hushlogin
ENV_SUPATH\tPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENV_PATH\tPATH=/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games
TTYGROUP\ttty
TTYPERM\t\t0600
UMASK\t\t022
HOME_MODE\t0700
PASS_MAX_DAYS\t99999
PASS_MIN_DAYS\t0
PASS_WARN_AGE\t7
UID_MIN\t\t\t 1000
UID_MAX\t\t\t60000
SYS_UID_MIN\t\t  100
SYS_UID_MAX\t\t  999
LOGIN_RETRIES\t\t5
LOGIN_TIMEOUT\t\t60
CHFN_RESTRICT\t\trwh
DEFAULT_HOME\tyes
USERGROUPS_ENAB yes
ENCRYPT_METHOD SHA512
"""
DEB12_PAM = """/etc/pam.d/common-password\tpassword\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt
/etc/pam.d/common-password\tpassword\trequisite\t\t\tpam_deny.so
/etc/pam.d/common-password\tpassword\trequired\t\t\tpam_permit.so
"""
DEB12_SS = """LISTEN 0      511          0.0.0.0:80        0.0.0.0:*    users:(("apache2",pid=703,fd=3),("apache2",pid=702,fd=3),("apache2",pid=701,fd=3))
LISTEN 0      128          0.0.0.0:22        0.0.0.0:*    users:(("sshd",pid=612,fd=3))
LISTEN 0      80         127.0.0.1:3306      0.0.0.0:*    users:(("mariadbd",pid=650,fd=21))
LISTEN 0      511                *:443             *:*    users:(("apache2",pid=703,fd=6),("apache2",pid=702,fd=6),("apache2",pid=701,fd=6))
LISTEN 0      128             [::]:22           [::]:*    users:(("sshd",pid=612,fd=4))
"""
DEB12_AUTHORIZED_KEYS = "debian\t1\ndeploy\t2\nauditor\t1\n"

# --------------------------------------------------------------------------- Ubuntu 12.04
U1204_OS_RELEASE = '''NAME="Ubuntu"
VERSION="12.04.5 LTS, Precise Pangolin"
ID=ubuntu
ID_LIKE=debian
PRETTY_NAME="Ubuntu precise (12.04.5 LTS)"
VERSION_ID="12.04"
'''
U1204_LSB = """Distributor ID:\tUbuntu
Description:\tUbuntu 12.04.5 LTS
Release:\t12.04
Codename:\tprecise
"""
U1204_VERSION_FILES = "/etc/debian_version\twheezy/sid\n"
U1204_PACKAGES = """manager dpkg
apache2\t2.2.22-1ubuntu1.15
libapache2-mod-php5\t5.3.10-1ubuntu3.26
libssl1.0.0\t1.0.1-4ubuntu5.45
mysql-server-5.5\t5.5.62-0ubuntu0.12.04.1
openbsd-inetd\t0.20091229-1ubuntu1
openssh-client\t1:5.9p1-5ubuntu1.10
openssh-server\t1:5.9p1-5ubuntu1.10
openssl\t1.0.1-4ubuntu5.45
php5-cli\t5.3.10-1ubuntu3.26
sudo\t1.8.3p1-1ubuntu3.10
telnetd\t0.17-36build1
vsftpd\t2.3.5-1ubuntu2
"""
U1204_APACHE_V = """Server version: Apache/2.2.22 (Ubuntu)
Server built:   Jul 24 2015 17:25:42
"""
# Apache 2.2 on Ubuntu keeps ServerTokens in /etc/apache2/conf.d/security (no .conf suffix).
U1204_APACHE_CONFIG = """/etc/apache2/apache2.conf:142:User ${APACHE_RUN_USER}
/etc/apache2/apache2.conf:143:Group ${APACHE_RUN_GROUP}
"""
U1204_PS = """root         1     0 init
root         2     0 kthreadd
syslog     612     1 rsyslogd
root       700     1 sshd
root       812     1 vsftpd
root       830     1 inetd
root       901     1 apache2
www-data   903   901 apache2
www-data   904   901 apache2
mysql      950     1 mysqld
root      1300   700 sshd
auditor   1305  1300 sshd
auditor   1306  1305 sh
auditor   1310  1306 ps
"""
U1204_SSHD_T = """port 22
protocol 2
addressfamily any
listenaddress [::]:22
listenaddress 0.0.0.0:22
usepam 1
serverkeybits 768
logingracetime 120
keyregenerationinterval 3600
maxauthtries 6
maxsessions 10
permitrootlogin yes
ignorerhosts yes
rhostsrsaauthentication no
hostbasedauthentication no
rsaauthentication yes
pubkeyauthentication yes
passwordauthentication yes
kbdinteractiveauthentication yes
challengeresponseauthentication no
printmotd no
x11forwarding yes
strictmodes yes
permitemptypasswords no
compression delayed
usedns yes
useprivilegeseparation yes
pidfile /var/run/sshd.pid
loglevel INFO
syslogfacility AUTH
authorizedkeysfile .ssh/authorized_keys .ssh/authorized_keys2
hostkey /etc/ssh/ssh_host_rsa_key
hostkey /etc/ssh/ssh_host_dsa_key
hostkey /etc/ssh/ssh_host_ecdsa_key
acceptenv LANG
acceptenv LC_*
subsystem sftp /usr/lib/openssh/sftp-server
maxstartups 10:30:100
permittunnel no
ipqos lowdelay throughput
rekeylimit 0
permitopen any
"""
U1204_PASSWD = """root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/bin/sh
bin:x:2:2:bin:/bin:/bin/sh
sys:x:3:3:sys:/dev:/bin/sh
sync:x:4:65534:sync:/bin:/bin/sync
www-data:x:33:33:www-data:/var/www:/bin/sh
ftp:x:106:113:ftp daemon,,,:/srv/ftp:/bin/false
mysql:x:105:112:MySQL Server,,,:/nonexistent:/bin/false
sshd:x:104:65534::/var/run/sshd:/usr/sbin/nologin
ubuntu:x:1000:1000:Ubuntu,,,:/home/ubuntu:/bin/bash
webadmin:x:1001:1001::/home/webadmin:/bin/bash
backup2:x:1002:1002::/home/backup2:/bin/bash
auditor:x:1003:1003::/home/auditor:/bin/bash
"""
# Debian-era system accounts have /bin/sh but no password ("*" -> none).
U1204_SHADOW = """root:none:15890:0:99999:7::
daemon:none:15890:0:99999:7::
bin:none:15890:0:99999:7::
sys:none:15890:0:99999:7::
sync:none:15890:0:99999:7::
www-data:none:15890:0:99999:7::
ftp:none:15891:0:99999:7::
mysql:none:15891:0:99999:7::
sshd:none:15891:0:99999:7::
ubuntu:set:16302:0:99999:7::
webadmin:set:19791:0:99999:7::
backup2:empty:16302:0:99999:7::
auditor:locked:20395:0:99999:7::
"""
U1204_LOGIN_DEFS = """MAIL_DIR        /var/mail
FAILLOG_ENAB\t\tyes
LOG_UNKFAIL_ENAB\tno
LOG_OK_LOGINS\t\tno
SYSLOG_SU_ENAB\t\tyes
SYSLOG_SG_ENAB\t\tyes
FTMP_FILE\t/var/log/btmp
SU_NAME\t\tsu
HUSHLOGIN_FILE\t.hushlogin
ENV_SUPATH\tPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENV_PATH\tPATH=/usr/local/bin:/usr/bin:/bin:/usr/local/games
TTYGROUP\ttty
TTYPERM\t\t0600
ERASECHAR\t0177
KILLCHAR\t025
UMASK\t\t022
PASS_MAX_DAYS\t99999
PASS_MIN_DAYS\t0
PASS_WARN_AGE\t7
UID_MIN\t\t\t 1000
UID_MAX\t\t\t60000
LOGIN_RETRIES\t\t5
LOGIN_TIMEOUT\t\t60
CHFN_RESTRICT\t\trwh
DEFAULT_HOME\tyes
USERGROUPS_ENAB yes
"""
U1204_PAM = """/etc/pam.d/common-password\tpassword\t[success=1 default=ignore]\tpam_unix.so obscure sha512
/etc/pam.d/common-password\tpassword\trequisite\t\t\tpam_deny.so
/etc/pam.d/common-password\tpassword\trequired\t\t\tpam_permit.so
"""
U1204_SS_ERROR = "exit status 255: ss: invalid option -- 'H'"
U1204_SS = """LISTEN     0      128                       *:22                       *:*      users:(("sshd",700,3))
LISTEN     0      32                        *:21                       *:*      users:(("vsftpd",812,3))
LISTEN     0      128                       *:23                       *:*      users:(("inetd",830,5))
LISTEN     0      128                      :::80                      :::*      users:(("apache2",901,4))
LISTEN     0      50              127.0.0.1:3306                      *:*      users:(("mysqld",950,10))
"""
U1204_AUTHORIZED_KEYS = "auditor\t1\n"

# --------------------------------------------------------------------------- Ubuntu 22.04
U2204_OS_RELEASE = '''PRETTY_NAME="Ubuntu 22.04.5 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.5 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=jammy
'''
U2204_LSB = """Distributor ID:\tUbuntu
Description:\tUbuntu 22.04.5 LTS
Release:\t22.04
Codename:\tjammy
"""
U2204_VERSION_FILES = "/etc/debian_version\tbookworm/sid\n"
U2204_PACKAGES = """manager dpkg
apache2\t2.4.52-1ubuntu4.12
apache2-bin\t2.4.52-1ubuntu4.12
libssl3\t3.0.2-0ubuntu1.18
mysql-server-8.0\t8.0.40-0ubuntu0.22.04.1
openssh-server\t1:8.9p1-3ubuntu0.10
openssl\t3.0.2-0ubuntu1.18
sudo\t1.9.9-1ubuntu2.4
"""
U2204_APACHE_V = """Server version: Apache/2.4.52 (Ubuntu)
Server built:   2024-07-17T18:57:26
"""
U2204_APACHE_CONFIG = """/etc/apache2/apache2.conf:115:User ${APACHE_RUN_USER}
/etc/apache2/apache2.conf:116:Group ${APACHE_RUN_GROUP}
/etc/apache2/conf-enabled/security.conf:25:ServerTokens OS
/etc/apache2/conf-enabled/security.conf:36:ServerSignature On
/etc/apache2/conf-enabled/zz-hardening.conf:2:ServerTokens Prod
/etc/apache2/conf-enabled/zz-hardening.conf:3:ServerSignature Off
"""
U2204_PS = """root           1       0 systemd
root         733       1 sshd
mysql        802       1 mysqld
root         915       1 apache2
www-data     918     915 apache2
www-data     919     915 apache2
root        2201     733 sshd
auditor     2290    2201 sshd
auditor     2291    2290 sh
auditor     2299    2291 ps
"""
U2204_SSHD_T = "port 22\n" + _SSHD_COMMON + f"""permitrootlogin no
passwordauthentication no
kbdinteractiveauthentication no
ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr
macs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com
kexalgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512
hostkeyalgorithms {_MODERN_KEYS}
pubkeyacceptedalgorithms {_MODERN_KEYS}
authenticationmethods any
subsystem sftp /usr/lib/openssh/sftp-server
"""
U2204_PASSWD = """root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
sshd:x:106:65534::/run/sshd:/usr/sbin/nologin
ubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash
deploy:x:1001:1001::/home/deploy:/bin/bash
auditor:x:1002:1002::/home/auditor:/bin/bash
"""
U2204_SHADOW = """root:none:19760:0:99999:7::
daemon:none:19760:0:99999:7::
www-data:none:19760:0:99999:7::
sshd:none:19760:0:99999:7::
ubuntu:none:19760:0:99999:7::
deploy:locked:20395:0:90:7::
auditor:locked:20395:0:90:7::
"""
U2204_LOGIN_DEFS = """MAIL_DIR        /var/mail
PASS_MAX_DAYS\t90
PASS_MIN_DAYS\t1
PASS_WARN_AGE\t7
UMASK\t\t022
ENCRYPT_METHOD SHA512
"""
U2204_PAM = """/etc/pam.d/common-password\tpassword\trequisite\t\t\tpam_pwquality.so retry=3
/etc/pam.d/common-password\tpassword\t[success=1 default=ignore]\tpam_unix.so obscure use_authtok try_first_pass yescrypt
/etc/pam.d/common-password\tpassword\trequisite\t\t\tpam_deny.so
/etc/pam.d/common-password\tpassword\trequired\t\t\tpam_permit.so
/etc/security/pwquality.conf\tminlen = 15
/etc/security/pwquality.conf\tdictcheck = 1
"""
U2204_SS = """LISTEN 0      4096   127.0.0.53%lo:53        0.0.0.0:*    users:(("systemd-resolve",pid=611,fd=14))
LISTEN 0      128          0.0.0.0:22        0.0.0.0:*    users:(("sshd",pid=733,fd=3))
LISTEN 0      151        127.0.0.1:3306      0.0.0.0:*    users:(("mysqld",pid=802,fd=23))
LISTEN 0      511                *:443             *:*    users:(("apache2",pid=919,fd=6),("apache2",pid=918,fd=6),("apache2",pid=915,fd=6))
LISTEN 0      128             [::]:22           [::]:*    users:(("sshd",pid=733,fd=4))
"""
U2204_AUTHORIZED_KEYS = "ubuntu\t1\ndeploy\t1\nauditor\t1\n"

# --------------------------------------------------------------------------- RHEL 7
RHEL7_OS_RELEASE = '''NAME="Red Hat Enterprise Linux Server"
VERSION="7.9 (Maipo)"
ID="rhel"
ID_LIKE="fedora"
VARIANT="Server"
VARIANT_ID="server"
VERSION_ID="7.9"
PRETTY_NAME="Red Hat Enterprise Linux Server 7.9 (Maipo)"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:redhat:enterprise_linux:7.9:GA:server"
HOME_URL="https://www.redhat.com/"
BUG_REPORT_URL="https://bugzilla.redhat.com/"
'''
RHEL7_VERSION_FILES = ("/etc/redhat-release\tRed Hat Enterprise Linux Server release 7.9 (Maipo)\n"
                       "/etc/system-release\tRed Hat Enterprise Linux Server release 7.9 (Maipo)\n")
RHEL7_PACKAGES = """manager rpm
httpd\t2.4.6-99.el7_9.1
mariadb-server\t5.5.68-1.el7
openssh-server\t7.4p1-23.el7_9
openssl\t1.0.2k-26.el7_9
php\t5.4.16-48.el7
sudo\t1.8.23-10.el7_9.3
"""
RHEL7_APACHE_V = """Server version: Apache/2.4.6 (Red Hat Enterprise Linux)
Server built:   Jan 30 2024 07:36:15
"""
RHEL7_APACHE_CONFIG = """/etc/httpd/conf/httpd.conf:66:User apache
/etc/httpd/conf/httpd.conf:67:Group apache
"""
RHEL7_PS = """root         1     0 systemd
root      1012     1 sshd
root      1100     1 httpd
apache    1101  1100 httpd
apache    1102  1100 httpd
mysql     1190     1 mysqld_safe
mysql     1250  1190 mysqld
root      2001  1012 sshd
auditor   2005  2001 sshd
auditor   2006  2005 sh
auditor   2010  2006 ps
"""
RHEL7_SSHD_T = """port 22
addressfamily any
listenaddress [::]:22
listenaddress 0.0.0.0:22
usepam yes
logingracetime 120
maxauthtries 6
maxsessions 10
permitrootlogin yes
ignorerhosts yes
hostbasedauthentication no
pubkeyauthentication yes
kerberosauthentication no
gssapiauthentication yes
gssapicleanupcredentials no
passwordauthentication yes
kbdinteractiveauthentication no
challengeresponseauthentication no
printmotd yes
x11forwarding yes
strictmodes yes
permitemptypasswords no
usedns yes
pidfile /var/run/sshd.pid
xauthlocation /usr/bin/xauth
ciphers chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-cbc,aes192-cbc,aes256-cbc,blowfish-cbc,cast128-cbc,3des-cbc
macs umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1
kexalgorithms curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha1,diffie-hellman-group14-sha256,diffie-hellman-group14-sha1,diffie-hellman-group1-sha1
hostkeyalgorithms ecdsa-sha2-nistp256-cert-v01@openssh.com,ssh-ed25519-cert-v01@openssh.com,ssh-rsa-cert-v01@openssh.com,ecdsa-sha2-nistp256,ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ssh-rsa
pubkeyacceptedkeytypes ecdsa-sha2-nistp256-cert-v01@openssh.com,ssh-ed25519-cert-v01@openssh.com,ssh-rsa-cert-v01@openssh.com,ecdsa-sha2-nistp256,ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ssh-rsa
loglevel INFO
syslogfacility AUTHPRIV
authorizedkeysfile .ssh/authorized_keys
hostkey /etc/ssh/ssh_host_rsa_key
hostkey /etc/ssh/ssh_host_ecdsa_key
hostkey /etc/ssh/ssh_host_ed25519_key
acceptenv LANG
authenticationmethods any
subsystem sftp /usr/libexec/openssh/sftp-server
maxstartups 10:30:100
permittunnel no
rekeylimit 0 0
permitopen any
"""
RHEL7_PASSWD = """root:x:0:0:root:/root:/bin/bash
bin:x:1:1:bin:/bin:/sbin/nologin
daemon:x:2:2:daemon:/sbin:/sbin/nologin
shutdown:x:6:0:shutdown:/sbin:/sbin/shutdown
halt:x:7:0:halt:/sbin:/sbin/halt
apache:x:48:48:Apache:/usr/share/httpd:/sbin/nologin
sshd:x:74:74:Privilege-separated SSH:/var/empty/sshd:/sbin/nologin
mysql:x:27:27:MariaDB Server:/var/lib/mysql:/sbin/nologin
admin:x:1000:1000:admin:/home/admin:/bin/bash
auditor:x:1001:1001::/home/auditor:/bin/bash
"""
RHEL7_SHADOW = """root:set:20727:1:90:7::
bin:none:18353:0:99999:7::
daemon:none:18353:0:99999:7::
shutdown:none:18353:0:99999:7::
halt:none:18353:0:99999:7::
apache:none:18353:::::
sshd:none:18353:::::
mysql:none:18353:::::
admin:set:20758:1:90:7::
auditor:none:20395:0:99999:7::
"""
RHEL7_LOGIN_DEFS = """MAIL_DIR\t/var/spool/mail
PASS_MAX_DAYS\t90
PASS_MIN_DAYS\t1
PASS_MIN_LEN\t5
PASS_WARN_AGE\t7
UID_MIN                  1000
UID_MAX                 60000
CREATE_HOME\tyes
UMASK           077
USERGROUPS_ENAB yes
ENCRYPT_METHOD SHA512
"""
RHEL7_PAM = """/etc/pam.d/system-auth\tauth        required      pam_env.so
/etc/pam.d/system-auth\tauth        sufficient    pam_unix.so try_first_pass nullok
/etc/pam.d/system-auth\tauth        required      pam_deny.so
/etc/pam.d/system-auth\taccount     required      pam_unix.so
/etc/pam.d/system-auth\tpassword    requisite     pam_pwquality.so try_first_pass local_users_only retry=3 authtok_type=
/etc/pam.d/system-auth\tpassword    sufficient    pam_unix.so sha512 shadow nullok try_first_pass use_authtok
/etc/pam.d/system-auth\tpassword    required      pam_deny.so
/etc/pam.d/system-auth\tsession     optional      pam_keyinit.so revoke
/etc/pam.d/system-auth\tsession     required      pam_unix.so
/etc/pam.d/password-auth\tauth        required      pam_env.so
/etc/pam.d/password-auth\tpassword    requisite     pam_pwquality.so try_first_pass local_users_only retry=3 authtok_type=
/etc/pam.d/password-auth\tpassword    sufficient    pam_unix.so sha512 shadow nullok try_first_pass use_authtok
/etc/pam.d/password-auth\tpassword    required      pam_deny.so
/etc/security/pwquality.conf\tminlen = 12
/etc/security/pwquality.conf\tminclass = 3
"""
RHEL7_SS = """LISTEN     0      128          *:22                       *:*                   users:(("sshd",pid=1012,fd=3))
LISTEN     0      128         :::80                      :::*                   users:(("httpd",pid=1102,fd=4),("httpd",pid=1101,fd=4),("httpd",pid=1100,fd=4))
LISTEN     0      50     127.0.0.1:3306                     *:*                   users:(("mysqld",pid=1250,fd=14))
"""
RHEL7_AUTHORIZED_KEYS = "auditor\t1\n"


# --------------------------------------------------------------------------- sshd.contexts
_AUTH = ("usedns", "listenaddress", "port", "passwordauthentication",
         "kbdinteractiveauthentication", "challengeresponseauthentication", "permitrootlogin",
         "authenticationmethods", "permitemptypasswords", "allowusers", "allowgroups",
         "denyusers", "denygroups", "usepam")
OLD_SSHD_NO_C = ("sshd: illegal option -- C usage: sshd [-46DdeiqTt] [-b bits] "
                 "[-f config_file] [-g login_grace_time] [-h host_key_file] [-k key_gen_time] "
                 "[-o option] [-p port] [-u len]")


def sshd_contexts_raw(sshd_t: str, users: tuple[str, ...] = ("root", "admin"), *,
                      no_c: str = "", match_lines: tuple[str, ...] = ()) -> str:
    """What the ``sshd.contexts`` snippet prints for a server whose plain ``sshd -T`` is
    ``sshd_t``: for a configuration without Match blocks every context gets those values.
    ``no_c``: the sshd refused ``-C`` with this message (then no context runs)."""
    keep = [line for line in sshd_t.splitlines() if line.split(" ", 1)[0] in _AUTH]
    out = ["base_rc\t0", "F\t/etc/ssh/sshd_config", *(f"B\t{line}" for line in keep),
           *(f"L\t/etc/ssh/sshd_config:{n}:{t}" for n, t in enumerate(match_lines, 90))]
    if no_c:
        return "\n".join([*out, f"nocontext\t{no_c}", ""])
    sources = [("anywhere", "internet", "203.0.113.99"), ("anywhere", "internet", "2001:db8::99")]
    out += [f"users\t{len(users)}\t0\tno\tno\t{' '.join(users)}",
            f"contexts\t{len(sources) * len(users)}"]
    auth = [line for line in keep if line.split(" ", 1)[0] not in ("usedns", "listenaddress",
                                                                  "port")]
    for kind, label, addr in sources:
        for user in users:
            out += [f"C\t{kind}\t{label}\t{user}\t{addr}\t-\t-", *(f"T\t{a}" for a in auth),
                    "R 0"]
    return "\n".join([*out, ""])

# --------------------------------------------------------------------------- assembly
_RAW: dict[str, dict[str, str | None]] = {
    "deb12": {
        "os.release": DEB12_OS_RELEASE, "os.lsb": None, "os.version_files": DEB12_VERSION_FILES,
        "pkg.versions": DEB12_PACKAGES, "apache.version": DEB12_APACHE_V,
        "apache.config": DEB12_APACHE_CONFIG, "proc.list": DEB12_PS,
        "sshd.config": DEB12_SSHD_T,
        "sshd.contexts": sshd_contexts_raw(DEB12_SSHD_T),
        "accounts.passwd": DEB12_PASSWD,
        "accounts.shadow": DEB12_SHADOW, "login.defs": DEB12_LOGIN_DEFS,
        "pam.password": DEB12_PAM, "net.listening": DEB12_SS,
        "ssh.authorized_keys": DEB12_AUTHORIZED_KEYS, "host.time": HOST_TIME,
    },
    "u1204": {
        "os.release": U1204_OS_RELEASE, "os.lsb": U1204_LSB,
        "os.version_files": U1204_VERSION_FILES, "pkg.versions": U1204_PACKAGES,
        "apache.version": U1204_APACHE_V, "apache.config": U1204_APACHE_CONFIG,
        "proc.list": U1204_PS, "sshd.config": U1204_SSHD_T,
        "sshd.contexts": sshd_contexts_raw(U1204_SSHD_T, no_c=OLD_SSHD_NO_C),
        "accounts.passwd": U1204_PASSWD,
        "accounts.shadow": U1204_SHADOW, "login.defs": U1204_LOGIN_DEFS,
        "pam.password": U1204_PAM, "net.listening": None,
        "ssh.authorized_keys": U1204_AUTHORIZED_KEYS, "host.time": HOST_TIME,
    },
    "u2204": {
        "os.release": U2204_OS_RELEASE, "os.lsb": U2204_LSB,
        "os.version_files": U2204_VERSION_FILES, "pkg.versions": U2204_PACKAGES,
        "apache.version": U2204_APACHE_V, "apache.config": U2204_APACHE_CONFIG,
        "proc.list": U2204_PS, "sshd.config": U2204_SSHD_T,
        "sshd.contexts": sshd_contexts_raw(U2204_SSHD_T),
        "accounts.passwd": U2204_PASSWD,
        "accounts.shadow": U2204_SHADOW, "login.defs": U2204_LOGIN_DEFS,
        "pam.password": U2204_PAM, "net.listening": U2204_SS,
        "ssh.authorized_keys": U2204_AUTHORIZED_KEYS, "host.time": HOST_TIME,
    },
    "rhel7": {
        "os.release": RHEL7_OS_RELEASE, "os.lsb": None, "os.version_files": RHEL7_VERSION_FILES,
        "pkg.versions": RHEL7_PACKAGES, "apache.version": RHEL7_APACHE_V,
        "apache.config": RHEL7_APACHE_CONFIG, "proc.list": RHEL7_PS,
        "sshd.config": RHEL7_SSHD_T,
        "sshd.contexts": sshd_contexts_raw(RHEL7_SSHD_T),
        "accounts.passwd": RHEL7_PASSWD,
        "accounts.shadow": RHEL7_SHADOW, "login.defs": RHEL7_LOGIN_DEFS,
        "pam.password": RHEL7_PAM, "net.listening": RHEL7_SS,
        "ssh.authorized_keys": RHEL7_AUTHORIZED_KEYS, "host.time": HOST_TIME,
    },
}
# Facts that did not come back ok on the recorded hosts, with the collector's reason.
_NOT_OK = {
    ("deb12", "os.lsb"): (FactStatus.MISSING, "lsb_release: command not found"),
    ("rhel7", "os.lsb"): (FactStatus.MISSING, "lsb_release: command not found"),
    ("u1204", "net.listening"): (FactStatus.ERROR, U1204_SS_ERROR),
}
HOSTS = tuple(_RAW)


def parsed(key: str, raw: str) -> Fact:
    """An ``ok`` fact whose value is ``raw`` run through the collector's parser for ``key``."""
    return Fact(key, FactStatus.OK, BY_KEY[key].parse(raw), exit_status=0)


def ok(key: str, value: Any) -> Fact:
    """An ``ok`` fact with a ready value."""
    return Fact(key, FactStatus.OK, value, exit_status=0)


def denied(key: str) -> Fact:
    """A fact refused by the target (no sudo)."""
    return Fact(key, FactStatus.DENIED, reason="sudo: a password is required", exit_status=1)


def timed_out(key: str) -> Fact:
    """A fact whose command ran out of time."""
    return Fact(key, FactStatus.TIMEOUT, reason="command exceeded 60 s")


def absent(key: str, reason: str = "command not found") -> Fact:
    """A fact whose file or tool does not exist on the target."""
    return Fact(key, FactStatus.MISSING, reason=reason, exit_status=127)


def host_facts(name: str) -> dict[str, Fact]:
    """All recorded facts of host ``name`` (see the module docstring)."""
    facts: dict[str, Fact] = {}
    for key, raw in _RAW[name].items():
        if raw is None:
            status, reason = _NOT_OK[(name, key)]
            facts[key] = Fact(key, status, reason=reason, exit_status=127)
        else:
            facts[key] = parsed(key, raw)
    return facts


def context(facts: Mapping[str, Fact] | Iterable[Fact],
            params: Mapping[str, Any] | None = None, target: str = "vps1") -> CheckContext:
    """A check context at :data:`SCAN_TIME` from facts (a mapping or an iterable of facts)."""
    table = dict(facts) if isinstance(facts, Mapping) else {f.key: f for f in facts}
    return CheckContext(target=target, facts=table, params=dict(params or {}),
                        scan_time=SCAN_TIME)


def host(name: str, params: Mapping[str, Any] | None = None, *replace: Fact,
         drop: Iterable[str] = ()) -> CheckContext:
    """Context for a recorded host, with some facts replaced and others never gathered."""
    facts = host_facts(name)
    facts.update({f.key: f for f in replace})
    for key in drop:
        facts.pop(key, None)
    return context(facts, params, target=name)
