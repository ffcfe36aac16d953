# The one way the app writes dates and times (its templates use "Y-m-d H:i"
# too), so that the admin's fields, its labels and the pages agree.
DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
