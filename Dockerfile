# The Pantau collector image, for docker-compose.yml or on its own:
#     docker build -t pantau-collector .
#     docker run --sysctl net.ipv4.ping_group_range="0 2147483647" -p 9147:9147 \
#         -v "$PWD/config/compose.yml:/etc/pantau/collector.yml:ro" pantau-collector
#
# It runs as an unprivileged user with no capabilities: echoes go out through datagram ICMP
# ("ping") sockets, which the kernel allows to the groups in net.ipv4.ping_group_range. That
# sysctl belongs to the container's network namespace, so it is set per container (compose
# `sysctls:`), not on the host, and no setcap cap_net_raw is needed.

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY collector ./collector
COPY agent ./agent
COPY pantau_wire ./pantau_wire
RUN python -m venv /opt/pantau \
 && /opt/pantau/bin/pip install --no-cache-dir --disable-pip-version-check .

FROM python:3.11-slim-bookworm
COPY --from=build /opt/pantau /opt/pantau
RUN groupadd --system --gid 10001 pantau \
 && useradd --system --uid 10001 --gid pantau --home-dir /var/lib/pantau \
        --shell /usr/sbin/nologin pantau \
 && install -d -o pantau -g pantau -m 0750 /var/lib/pantau \
 && install -d -m 0755 /etc/pantau
ENV PATH=/opt/pantau/bin:$PATH \
    PANTAU_CONFIG=/etc/pantau/collector.yml \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER pantau:pantau
WORKDIR /var/lib/pantau
VOLUME ["/var/lib/pantau"]
EXPOSE 9147
# The config must listen on 0.0.0.0:9147 (not the default 127.0.0.1) to be reached from
# outside the container; config/compose.yml does. A collector serving TLS needs its own
# healthcheck (https, and a context that trusts its certificate).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9147/healthz', timeout=4)"]
ENTRYPOINT ["collector"]
CMD ["run"]
