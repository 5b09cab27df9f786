"""Configuration files the trixie lab writes (tests/labs/trixie.py): each states what it
plants. Filled with ``str.format``; braces of nginx blocks are doubled."""

from __future__ import annotations

from typing import Final

SSHD_DROPIN: Final = """\
# Hardening drop-in: no passwords, no root.
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no

# The office network still logs in with passwords.
Match Address {network}
    PasswordAuthentication yes

# The shop's admin answers a one-time prompt.
Match User shopadmin
    KbdInteractiveAuthentication yes
"""

NGINX_SHOP: Final = """\
server {{
    listen 80 default_server;
    server_name {name};
    server_tokens off;
    return 301 https://{name}$request_uri;
}}
server {{
    listen 443 ssl default_server;
    server_name {name};
    server_tokens off;
    ssl_certificate /etc/nginx/lab/shop.pem;
    ssl_certificate_key /etc/nginx/lab/shop.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20;
    ssl_prefer_server_ciphers on;
    add_header Strict-Transport-Security "max-age=31536000" always;
    root /var/www/shop;
    location / {{ try_files $uri $uri/ =404; }}
    location /admin/ {{
        allow {allowed};
        deny all;
    }}
}}
"""

NGINX_LEGACY: Final = """\
server {{
    listen {http};
    listen {https} ssl;
    server_name legacy.lab2.test;
    server_tokens on;
    ssl_certificate /etc/nginx/lab/legacy.pem;
    ssl_certificate_key /etc/nginx/lab/legacy.key;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
    ssl_ciphers ALL:@SECLEVEL=0;
    root /var/www/legacy;
    location /admin/ {{ try_files $uri $uri/ =404; }}
}}
"""

PG_CONF: Final = """\
listen_addresses = '*'
ssl = on
ssl_cert_file = '/etc/postgresql/{v}/main/lab/server.pem'
ssl_key_file = '/etc/postgresql/{v}/main/lab/server.key'
"""

PG_HBA: Final = """\
local   all             postgres                                peer
local   all             all                                     peer
host    all             all             127.0.0.1/32            scram-sha-256
hostssl all             posture_ro      {allowed}/32           scram-sha-256
host    all             all             0.0.0.0/0               scram-sha-256
"""

PG_DATA: Final = """\
CREATE TABLE customers (id int PRIMARY KEY, name text, email text, phone text, city text);
"""
