from django.contrib import admin

from mandate.workplace import models

for model in [models.Organisation, models.Site, models.Team, models.StaffMember, models.ImportBatch]:
    admin.site.register(model)
