from django.contrib import admin

from mandate.union import models

for model in [models.Union, models.Branch, models.Employer, models.Workplace, models.Member]:
    admin.site.register(model)
