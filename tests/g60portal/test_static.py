from django.core.management import call_command


def test_collectstatic_writes_hashed_compressed_files(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    names = {p.name for p in (tmp_path / "static" / "css").iterdir()}
    hashed = [n for n in names if n.startswith("site.") and n.endswith(".css") and n != "site.css"]
    assert hashed, names
    assert f"{hashed[0]}.gz" in names
