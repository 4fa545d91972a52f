SECRET_KEY = "dev-only"
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.contenttypes"]
ROOT_URLCONF = "ledger.urls"
