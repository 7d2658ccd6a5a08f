"""Objects of college B for the tenant isolation test, for the grading app's routes and pages."""

from ..isolation import api_object, page_kwargs
from .builders import admit, batch_of, decision_of, individual_of, published_result_of


def order_of(cast):
    from grading.models import AdmissionOrder

    order = AdmissionOrder.objects.filter(college=cast.college).first()
    return order or admit(cast, [cast.student])


api_object("admission")(lambda b: b.student.pk)
api_object("admission-order")(lambda b: order_of(b).pk)
api_object("honours")(lambda b: b.student.pk)
api_object("decision")(lambda b: decision_of(b).pk)
api_object("decision-batch")(lambda b: batch_of(b).pk)
api_object("result")(lambda b: published_result_of(b).pk)
api_object("individual-attestation")(lambda b: individual_of(b).pk)

for name in ("individual_file", "individual_delete"):
    page_kwargs(f"grading:{name}")(lambda b: {"pk": individual_of(b).pk})
for name in ("honours_confirm", "decision_student", "student"):
    page_kwargs(f"grading:{name}")(lambda b: {"pk": b.student.pk})
page_kwargs("grading:decision_batch")(lambda b: {"pk": batch_of(b).pk})
