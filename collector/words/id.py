"""Everything Pantau says in Bahasa Indonesia: mails, the status page, the report."""

from __future__ import annotations

from collector.alerting.notifications import EventKind
from collector.alerting.outage_log import Cause, EvidenceKind
from collector.config import LinkKind
from collector.state import LinkState
from collector.words.catalogue import Catalogue, PageWords, ReportWords, Words

# Words more than one medium uses, written once.
SITE = "Lokasi"
LINK = "Jalur"
SERVICE = "Layanan"
PLANNED = "Terencana"
OUTAGES = "Gangguan"
YES = "ya"
NO = "tidak"
UNKNOWN = "belum diketahui"


MAIL = Words(
    headline={
        EventKind.DOWN: "PUTUS", EventKind.RECOVERED: "PULIH", EventKind.DEGRADED: "TERGANGGU",
        EventKind.FLAPPING: "TIDAK STABIL", EventKind.AGENT_SILENT: "AGEN TIDAK MELAPOR",
        EventKind.AGENT_BACK: "AGEN MELAPOR LAGI", EventKind.REBOOT: "MENYALA ULANG",
        EventKind.REMINDER: "MASIH PUTUS", EventKind.ERROR: "TIDAK DAPAT DIPERIKSA",
        EventKind.ERROR_CLEARED: "DAPAT DIPERIKSA LAGI",
        EventKind.SERVICE_DOWN: "LAYANAN TERGANGGU", EventKind.SERVICE_RECOVERED: "LAYANAN PULIH",
        EventKind.SERVICE_SLOW: "LAYANAN LAMBAT",
        EventKind.CERT_EXPIRING: "SERTIFIKAT SEGERA KEDALUWARSA",
    },
    sentence={
        EventKind.DOWN: "{what} tidak dapat dijangkau.",
        EventKind.RECOVERED: "{what} kembali terhubung.",
        EventKind.DEGRADED: "{what} kehilangan paket atau lambat.",
        EventKind.FLAPPING: "{what} berulang kali putus dan tersambung lagi.",
        EventKind.AGENT_SILENT: "Agen server di {what} berhenti mengirim laporan.",
        EventKind.AGENT_BACK: "Agen server di {what} kembali mengirim laporan.",
        EventKind.REBOOT: "Perangkat di {what} menyala ulang.",
        EventKind.REMINDER: "{what} masih tidak dapat dijangkau.",
        EventKind.ERROR: ("{what} tidak dapat diperiksa: Pantau tidak dapat mengirim ping ke "
                          "sana dari server pemantau. Keadaan jalurnya sendiri tidak diketahui."),
        EventKind.ERROR_CLEARED: "{what} dapat diperiksa lagi.",
        EventKind.SERVICE_DOWN: "{what} tidak berfungsi; lokasinya masih terhubung.",
        EventKind.SERVICE_RECOVERED: "{what} berfungsi kembali.",
        EventKind.SERVICE_SLOW: "{what} menjawab lebih lambat dari batasnya.",
        EventKind.CERT_EXPIRING: ("Sertifikat TLS {what} segera kedaluwarsa; perpanjang "
                                  "sebelum tanggalnya agar pengguna tidak melihat peringatan."),
    },
    link_only_down="{what} putus; lokasinya masih terhubung lewat jalur lain.",
    stable_again="{what} kembali stabil setelah berulang kali putus dan tersambung.",
    link_of="jalur {link} ke {title}",
    service_of="layanan {service} di {title}",
    failures={"timeout": "tidak menjawab tepat waktu",
              "dns": "DNS bermasalah (nama tidak ditemukan atau jawaban salah)",
              "connect": "tidak dapat tersambung", "tls": "sertifikat atau TLS bermasalah",
              "status": "HTTP {code}", "body": "isi jawaban tidak sesuai",
              "other": "jawaban tidak dikenali"},
    planned_tag="terencana",
    sites_affected="{n} lokasi terdampak",
    one_site_affected="1 lokasi terdampak",
    after="setelah {duration}",
    lasting="sudah {duration}",
    events="{n} kejadian",
    more_sites="… dan {n} lokasi lainnya",
    more="dan {n} lainnya",
    intro="Pantau mencatat {n} kejadian:",
    labels={
        "site": SITE, "link": LINK, "started": "Mulai", "ended": "Selesai",
        "duration": "Lama", "lasting": "Sudah berlangsung", "before": "Sebelum putus",
        "measured": "Terukur", "cause": "Penyebab", "planned": PLANNED,
        "detail": "Keterangan", "outage": "Nomor gangguan", "affected": "Lokasi terdampak",
        "agent": "Agen", "device": "Perangkat", "uptime_before": "Menyala sebelumnya",
        "changes": "Perubahan status", "reason": "Sebab", "service": SERVICE,
        "failure": "Masalah", "services_affected": "Layanan terdampak",
        "cert_expiry": "Kedaluwarsa", "cert_left": "Sisa waktu",
        "acked": "Ditangani",
        "latency": "Waktu jawab", "latency_limit": "Batas",
    },
    yes_planned="ya, pemeliharaan terjadwal",
    no=NO,
    cause={
        Cause.POWER: "kemungkinan listrik padam",
        Cause.LINK: ("kemungkinan jalurnya terputus (kabel atau radio); perangkat di lokasi "
                     "tetap menyala"),
        Cause.UNKNOWN: UNKNOWN,
    },
    evidence={
        EvidenceKind.ROUTER_RESTARTED: "router {who} menyala ulang pukul {time}",
        EvidenceKind.SERVER_BOOTED: "server {who} menyala ulang pukul {time}",
        EvidenceKind.SERVER_REPORTED: ("server {who} tetap mengirim laporan selama gangguan "
                                       "tanpa menyala ulang"),
    },
    reasons={"no_route": "tidak ada rute ke alamatnya",
             "not_permitted": "ditolak di server pemantau (aturan firewall setempat)",
             "send_failed": "gagal dikirim"},
    state={"down": "putus", "unreachable": "tidak terjangkau, di belakang lokasi yang putus",
           "recovered": "pulih", "up": "normal", "degraded": "terganggu",
           "unknown": UNKNOWN, "error": "tidak dapat diperiksa"},
    quality="kehilangan paket {loss}, RTT {rtt}",
    footer="Dikirim otomatis oleh Pantau. Waktu dalam {zone}.",
    status_link="Halaman status: {url}",
    ack_button="Ditangani",
    ack_button_for="Ditangani: {what}",
    ack_line="✅ Ditangani oleh {by}, {time}",
    ack_line_for="✅ Gangguan #{outage} ditangani oleh {by}, {time}",
    ack_recorded="Dicatat: Anda menangani gangguan #{outage}.",
    ack_already="Gangguan #{outage} sudah ditangani oleh {by}.",
    ack_over="Gangguan #{outage} sudah berakhir.",
    test_subject="[Pantau] Surat uji",
    test_text=("Ini surat uji dari Pantau di {host}, dikirim {time} melalui {server}.\n"
               "Bila surat ini sampai, surat peringatan gangguan juga akan sampai.\n"),
    test_message=("Pesan uji dari Pantau di {host}, dikirim {time} lewat {channel}. Bila pesan ini "
                  "sampai, peringatan gangguan juga akan sampai."),
    units=("hari", "jam", "menit", "detik"),
    decimal=",",
    months=("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
            "September", "Oktober", "November", "Desember"),
    days=("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    time_format=("{day}, {date} {month} {year} pukul {hour:02d}.{minute:02d}.{second:02d} "
                 "{zone}"),
    clock_format="{hour:02d}.{minute:02d}.{second:02d} {zone}",
)


PAGE = PageWords(
    lang="id",
    heading="Status jaringan",
    state={LinkState.UP: "NORMAL", LinkState.DEGRADED: "TERGANGGU", LinkState.DOWN: "PUTUS",
           LinkState.UNREACHABLE: "TAK TERJANGKAU", LinkState.UNKNOWN: "BELUM DIKETAHUI",
           LinkState.ERROR: "TIDAK DAPAT DIPERIKSA"},
    count={LinkState.UP: "{n} normal", LinkState.DEGRADED: "{n} terganggu",
           LinkState.DOWN: "{n} putus", LinkState.UNREACHABLE: "{n} tak terjangkau",
           LinkState.UNKNOWN: "{n} belum diketahui",
           LinkState.ERROR: "{n} tidak dapat diperiksa"},
    problems="Bermasalah",
    unknown="Belum diketahui",
    healthy="Normal",
    rendered="Diperbarui {time}",
    since="sejak {time} ({span})",
    acked="Ditangani {by} sejak {time}",
    behind="Ikut terputus di belakangnya: {n} lokasi",
    link=LINK,
    service=SERVICE,
    problem="Masalah terakhir",
    loss="Loss",
    rtt="RTT",
    kind={LinkKind.FIBER: "fiber", LinkKind.WIRELESS: "wireless"},
    via="lewat {parent}",
    direct="langsung",
    no_round="belum ada putaran",
    footer=("Halaman dimuat ulang tiap {seconds} detik. Loss dan RTT (median) dari putaran "
            "ping terakhir. Waktu dalam {zone}."),
    months=("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov",
            "Des"),
    clock="{hour:02d}.{minute:02d}",
    clock_seconds="{hour:02d}.{minute:02d}.{second:02d}",
)


REPORT = ReportWords(
    mail=MAIL,
    title="Laporan Ketersediaan Jaringan",
    subtitle="Pantau, pemantau jaringan",
    period="Periode",
    so_far="sampai saat laporan dibuat",
    generated="Dibuat",
    summary={"network": "Ketersediaan seluruh jaringan", "sites": SITE,
             "outages": OUTAGES, "downtime": "Total waktu putus",
             "planned": "Pemeliharaan terencana", "worst": "Terendah",
             "coverage": "Terpantau dari periode", "unmonitored": "Total tidak terpantau"},
    clean_sites="{n} tanpa gangguan",
    table_title="Semua lokasi, yang terendah lebih dulu",
    columns={"site": SITE, "availability": "Ketersediaan", "downtime": "Waktu putus",
             "outages": OUTAGES, "longest": "Terlama", "mttr": "Rata-rata pemulihan",
             "planned": PLANNED, "monitored": "Terpantau",
             "unmonitored": "Tidak terpantau"},
    bar_scale="Panjang batang: skala 90–100%.",
    grades={"good": "baik", "fair": "perlu perhatian", "poor": "buruk", "none": "tanpa data"},
    definition=("Ketersediaan = 1 − waktu putus ÷ (waktu terpantau − waktu pemeliharaan "
                "terencana). Waktu terpantau: saat Pantau berjalan dan memeriksa lokasi tepat "
                "waktu, ditambah waktu putus; waktu lain (Pantau berhenti, baru dinyalakan, "
                "atau lokasi tidak dapat diperiksa) tidak terpantau dan tidak dihitung ke arah "
                "mana pun. Yang dihitung putus hanya saat lokasi tidak dapat dijangkau sama "
                "sekali; satu jalur putus sementara jalur cadangan masih tersambung tidak "
                "dihitung."),
    timeline="Per hari",
    legend={"none": "tanpa gangguan", "short": "putus < 5 menit", "medium": "putus < 1 jam",
            "long": "putus ≥ 1 jam", "planned": "hanya pemeliharaan",
            "unmonitored": "sebagian besar tidak terpantau", "future": "belum terjadi"},
    day_tip={"down": "putus {span}", "planned": "pemeliharaan {span}", "none": "tanpa gangguan",
             "unmonitored": "tidak terpantau {span}", "future": "belum terjadi"},
    outage_columns={"start": "Mulai", "end": "Selesai", "duration": "Lama",
                    "counted": "Dihitung putus bulan ini", "cause": "Penyebab",
                    "planned": PLANNED},
    ongoing="masih berlangsung",
    yes=YES,
    no=NO,
    cause={Cause.LINK: "jalur terputus", Cause.POWER: "listrik padam",
           Cause.UNKNOWN: UNKNOWN},
    behind="tidak terjangkau di belakang {site}",
    no_outages="Tidak ada gangguan pada periode ini.",
    maintenance="Pemeliharaan terjadwal",
    not_judged="tanpa waktu terpantau",
    services=SERVICE,
    service_columns={"service": SERVICE, "availability": "Ketersediaan layanan",
                     "downtime": "Gangguan layanan", "outages": OUTAGES,
                     "longest": "Terlama", "site_downtime": "Tak terjangkau (lokasi putus)"},
    services_note=("Ketersediaan layanan dihitung dari gangguan layanan itu sendiri saat "
                   "lokasinya terjangkau. Waktu layanan tidak terjangkau karena lokasinya putus "
                   "dihitung sebagai waktu putus lokasi, bukan layanan, dan ditampilkan "
                   "terpisah."),
    clock=".",
)


CATALOGUE = Catalogue(mail=MAIL, page=PAGE, report=REPORT)
