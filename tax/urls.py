from django.urls import path

from tax.views import accounts, exports, harvest

app_name = "tax"

urlpatterns = [
    path("", accounts.account_list, name="accounts"),
    path("<int:pk>/", accounts.account_detail, name="account"),
    path("<int:pk>/import/", accounts.account_import, name="import"),
    path("<int:pk>/sell/", accounts.account_sell, name="sell"),
    path("<int:pk>/fills/", accounts.account_fills, name="fills"),
    path("<int:pk>/harvest/", harvest.harvest, name="harvest"),
    path("<int:pk>/form8949.csv", exports.form8949_csv, name="form8949_csv"),
    path("<int:pk>/form8949.txf", exports.form8949_txf, name="form8949_txf"),
    path("<int:pk>/summary.pdf", exports.summary_pdf, name="summary_pdf"),
]
